#include "git-compat-util.h"

static int cmd_one(int argc, const char **argv, const char *prefix UNUSED)
{
	if (argc < 2)
		return 0;
	return atoi(argv[1]);
}

static int cmd_two(int argc)
{
	return argc;
}

static int cmd_x(void)
{
	return 10;
}

static int cmd_y(void)
{
	return 20;
}
