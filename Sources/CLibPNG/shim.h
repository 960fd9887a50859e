/* Debian's libpng16 (libpng-dev): it writes the PNGs (8-bit colour, 16-bit depth) that stb_image_write cannot
 * write fast or at all (16-bit). */
#include <png.h>
