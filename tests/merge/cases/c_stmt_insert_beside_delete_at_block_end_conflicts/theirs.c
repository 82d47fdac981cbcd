int finish(struct conn *c)
{
	int code = wait_for(c);

	if (code) {
		report(code);
		free(c->buf);
		close(c->fd);
	}
	return code;
}
