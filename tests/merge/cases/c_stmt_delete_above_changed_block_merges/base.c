int check(struct transport *t, struct opt *opt)
{
	struct pack *pack = NULL;
	int err;

	if (t && t->lockfiles.nr == 1) {
		struct strbuf idx = STRBUF_INIT;
		strbuf_addstr(&idx, t->lockfiles.items[0]);
		pack = add_pack(idx.buf);
		strbuf_release(&idx);
	}

	if (has_remote()) {
		reprepare();
		while (next())
			count++;
		free(pack);
		return 0;
	}

	err = run(opt);
	free(pack);
	return err;
}
