#include <stddef.h>

struct node;

struct node {
    int key;
    struct node *next;
    void *value;
};
typedef int (*node_visit_fn)(struct node *n, void *ctx);

int list_walk(struct node *head, node_visit_fn fn, void *ctx)
{
    for (struct node *n = head; n; n = n->next) {
        int rc = fn(n, ctx);
        if (rc)
            return rc;
    }
    return 0;
}
