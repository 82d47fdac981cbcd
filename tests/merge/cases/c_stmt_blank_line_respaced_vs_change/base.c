static int count(const char *name)
{
	int n = 0;

	if (name[0] == 'B' && name[1] == 'A') {
		
		n++;
	}
	return n;
}
