/* Helpers shared by the proto library's own files (not part of its interface). */
#ifndef HYDRA_PROTO_PB_INTERNAL_H
#define HYDRA_PROTO_PB_INTERNAL_H

#include <stddef.h>

#include "hydra/hydra.h"

/* Writes the formatted message into err (when there is room) and returns s, so an error path is
 * one `return pb_fail(...)`. */
hy_status pb_fail(char *err, size_t errlen, hy_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
