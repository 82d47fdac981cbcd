#include "git-compat-util.h"

static int cmd_one(int argc, const char **argv, const char *prefix UNUSED)
{
	return argc > 1 ? atoi(argv[1]) : 0;
}

static int obsolete_helper(int x)
{
	return x * 2;
}

static int cmd_two(int argc)
{
	return argc;
}
