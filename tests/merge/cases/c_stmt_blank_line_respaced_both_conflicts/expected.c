static int count(const char *name)
{
	int n = 0;

<<<<<<< ours
	char type[8];
	if (read_type(name, type) < 1)
		return 0;

	if (type[0] == 'B' && type[1] == 'a') {
	
=======
	if (name[0] == 'B' && name[1] == 'A') {

>>>>>>> theirs
		n++;
	}
	return n;
}
