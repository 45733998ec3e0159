/* Pass tests compare graphs as text: the IR printer's form of G against the text the test states,
 * with both printed in the failure message. */
#ifndef HYDRA_TESTS_IR_TEXT_H
#define HYDRA_TESTS_IR_TEXT_H

#include <criterion/criterion.h>
#include <stdlib.h>

#include "ir/print.h"

/* Asserts that g prints exactly as want. */
#define ir_text_assert_eq(g, want)                                                                 \
  do {                                                                                             \
    char *got_ = ir_print_to_string(g);                                                            \
    cr_assert_not_null(got_, "printing the graph failed");                                         \
    const char *want_ = (want);                                                                    \
    bool same_ = !strcmp(got_, want_);                                                             \
    if (!same_) cr_log_error("graph differs\n--- got:\n%s--- want:\n%s", got_, want_);             \
    free(got_);                                                                                    \
    cr_assert(same_, "the graph is not the expected one (both printed above)");                    \
  } while (0)

#endif
