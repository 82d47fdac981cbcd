#include "blobbox.h"

namespace tesseract {

class C_OUTLINE_FRAG : public ELIST<C_OUTLINE_FRAG>::LINK {
public:
  int16_t ycoord;
};

ELISTIZEH(C_OUTLINE_FRAG)

extern INT_VAR_H(textord_fp_chop_error);

void split_to_blob(BLOBNBOX *blob, int16_t chop_coord);

} // namespace tesseract
