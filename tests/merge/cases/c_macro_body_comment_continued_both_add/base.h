#ifndef TREE_H
#define TREE_H

#define TREE_MIN(name, x)	name##_min(x)

#endif
