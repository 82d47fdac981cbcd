#ifndef TREE_H
#define TREE_H

#define TREE_GENERATE(name, type)				\
/* Inserts a node */						\
static void								\
name##_insert(struct type *elm)					\
{									\
	tree_link(elm);							\
}									\
									\
/* Removes a node */						\
static void								\
name##_remove(struct type *elm)					\
{									\
<<<<<<< ours
	tree_unlink(elm, 0);					\
=======
	tree_unlink(elm, 1);					\
>>>>>>> theirs
}

#define TREE_MIN(name, x)	name##_min(x)

#endif
