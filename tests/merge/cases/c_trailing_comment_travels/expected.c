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
