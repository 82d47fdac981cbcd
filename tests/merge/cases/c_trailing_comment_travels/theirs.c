#include "plugin.h"

#if HAVE_LIBYAJL

static int format_time(char *buf, int t) /* {{{ */
{
  return snprintf(buf, 32, "%d", t);
} /* }}} int format_time */

/*
 * Format (alertmanager v1)
 */
int format_notification(char *buf, int n) /* {{{ */
{
  if (buf == NULL)
    return -1;
  return format_alert(buf, n);
} /* }}} format_notification */
#else
int format_time(char *buf, int t) { return -1; }
#endif
