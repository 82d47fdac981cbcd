int finish(struct conn *c)
{
	int code = wait_for(c);

	if (code) {
		report(code);
<<<<<<< ours
=======
		free(c->buf);
		close(c->fd);
>>>>>>> theirs
	}
	return code;
}
