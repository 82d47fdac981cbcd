#include "colors.h"

int color_schemes[LAST_SCHEME][LAST_ELEMENT] = {
   [SCHEME_DEFAULT] = {
      [RESET_COLOR] = ColorPair(White, Black),
      [CPU_NICE] = ColorPair(Blue, Black),
      [CPU_KERNEL] = ColorPair(Red, Black),
      [CPU_IOWAIT] = A_BOLD | ColorPairGrayBlack,
      [CPU_IRQ] = ColorPair(Yellow, Black),
   },
   [SCHEME_MONO] = {
      [RESET_COLOR] = A_NORMAL,
      [CPU_NICE] = A_NORMAL,
      [CPU_KERNEL] = A_BOLD,
      [CPU_IOWAIT] = A_NORMAL,
      [CPU_IRQ] = A_BOLD,
   },
};

static const struct option defaults = {
   .verbose = 1,
   .delay = 15,
   .color = 1,
   .tree = 0,
};
