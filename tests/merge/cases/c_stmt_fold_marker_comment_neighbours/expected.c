#include "collectd.h"

static int submit_value(const char *type, gauge_t value) /* {{{ */
{
  value_list_t vl = VALUE_LIST_INIT;

  vl.values = &(value_t){.gauge = value};
  vl.values_len = 1;
  vl.time = cdtime();
  sstrncpy(vl.plugin, PLUGIN_NAME, sizeof(vl.plugin));
  sstrncpy(vl.type, type, sizeof(vl.type));

  return plugin_dispatch_values(&vl);
} /* }}} int submit_value */

static int example_read(void) /* {{{ */
{
  return submit_value("gauge", 1.0);
} /* }}} int example_read */
