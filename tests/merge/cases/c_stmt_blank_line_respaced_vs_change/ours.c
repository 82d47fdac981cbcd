static int count(const char *name)
{
	int n = 0;

	char type[8];
	if (read_type(name, type) < 1)
		return 0;

	if (type[0] == 'B' && type[1] == 'a') {
		
		n++;
	}
	return n;
}
