/* hydrac: the driver (placeholder until the driver lands). */
#include <stdio.h>
int main(void) {
  fputs("hydrac: driver not built yet\n", stderr);
  return 1;
}
