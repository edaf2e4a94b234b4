/* CHECK for the C tests: counts, reports and goes on (a C test is one main). */
#ifndef SAMPLEPOOL_C_TESTS_CHECK_H
#define SAMPLEPOOL_C_TESTS_CHECK_H

#include <stdio.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#endif
