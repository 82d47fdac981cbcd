#include "tmux.h"

static int
count_panes(struct window *w)
{
	struct window_pane	*wp;
	int			 n = 0, m = 0;

	TAILQ_FOREACH(wp, &w->panes, entry) {
		if (wp->fd == -1)
			continue;
		n++;
		if (wp->flags & PANE_FOCUSED)
			n++;
	}
	m = n;
	log_debug("%s: %d panes", __func__, n);
	return (n);
}

static void
other(void)
{
}
