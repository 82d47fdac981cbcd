int check(struct transport *t, struct opt *opt)
{
	struct pack *pack = NULL;
	int err;

	if (has_remote()) {
		reprepare();
		while (next())
			count++;
		return 0;
	}

	err = run(opt);
	free(pack);
	return err;
}
