#include "plugin.h"

#if HAVE_LIBYAJL

static int format_time(char *buf, int t) /* {{{ */
{
  return snprintf(buf, 32, "%d", t);
} /* }}} int format_time */

static int format_alert(char *buf, int n) /* {{{ */
{
  return format_time(buf, n);
} /* }}} format_alert */
#else
int format_time(char *buf, int t) { return -1; }
#endif
