/* Debian's libstb (libstb-dev): stb_image decodes PNG (8/16-bit) and JPEG, stb_image_write encodes JPEG,
 * stb_image_resize resamples. The implementations live in libstb.so; these are declarations only. */
#include <stb_image.h>
#include <stb_image_write.h>
#include <stb_image_resize.h>
