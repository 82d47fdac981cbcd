/*
 * util/banned.h - functions that must not be used in dk (git's banned.h).
 * Included last by every dk source file (after all other includes, so system
 * headers still declare what they declare).
 * Each turns into a compile error naming the banned function.
 */
#ifndef DK_UTIL_BANNED_H
#define DK_UTIL_BANNED_H

#define DK_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) DK_BANNED(strcpy)
#undef strcat
#define strcat(x, y) DK_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) DK_BANNED(strncpy)
#undef sprintf
#define sprintf(...) DK_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) DK_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) DK_BANNED(strtok)
#undef gmtime
#define gmtime(t) DK_BANNED(gmtime)
#undef localtime
#define localtime(t) DK_BANNED(localtime)
#undef atoi
#define atoi(s) DK_BANNED(atoi)
#undef mktemp
#define mktemp(s) DK_BANNED(mktemp)

#endif
