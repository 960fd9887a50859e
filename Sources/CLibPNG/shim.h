/* Debian's libpng16 (libpng-dev), used through its simplified png_image API (no setjmp needed): it writes the
 * 16-bit depth PNGs that stb_image_write cannot. */
#include <png.h>
