#include <glib-object.h>

#include "foo-widget.h"

G_DEFINE_TYPE (FooWidget, foo_widget, G_TYPE_OBJECT)

static int
foo_widget_count (FooWidget *self)
{
  return self->count;
}

static void
foo_widget_init (FooWidget *self)
{
  self->count = 0;
}

static void
foo_widget_class_init (FooWidgetClass *klass)
{
  (void) klass;
}
