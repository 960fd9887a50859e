/* Debian's libjpeg-turbo (libturbojpeg0-dev): JPEG decoding with errors as return codes. stb_image's JPEG path
 * aborts on an assert for some malformed files (found by fuzzing), so JPEG goes through libjpeg-turbo. */
#include <turbojpeg.h>
