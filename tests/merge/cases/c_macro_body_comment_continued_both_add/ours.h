#ifndef TREE_H
#define TREE_H

#define TREE_GENERATE_STATIC(name, type)			\
	TREE_GENERATE(name, type)

#define TREE_MIN(name, x)	name##_min(x)

#endif
