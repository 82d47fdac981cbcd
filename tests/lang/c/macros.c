/* A lone macro line between declarations, and one the grammar reads. */
#include <glib-object.h>

G_DEFINE_TYPE (FooWidget, foo_widget, G_TYPE_OBJECT)

static int
foo_widget_count (FooWidget *self) /* {{{ */
{
  return self->count;
} /* }}} foo_widget_count */

enum {
A_FIRST,
A_LAST
};

int after_enum; // trailing
