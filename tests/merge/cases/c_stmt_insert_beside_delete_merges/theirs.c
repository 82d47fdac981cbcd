int check(int fd, struct opt *opt)
{
	struct pack *new_pack = NULL;

	if (has_remote()) {
		reprepare();
		do {
			if (found(oid))
				goto found;
		} while ((oid = next()) != NULL);
		free(new_pack);
		if (opt->err_fd)
			close(opt->err_fd);
		return 0;
	}
	return run(fd);
}
