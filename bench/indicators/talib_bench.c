/*
 * TA-Lib C baseline for bench/indicators/run.mjs: times TA_SMA, TA_EMA, TA_RSI, TA_MACD,
 * TA_BBANDS and TA_ATR on the series the runner wrote, with the same parameters as the JS run.
 * Built by the runner with gcc -O2 against the TA-Lib C sources shipped in npm talib@1.1.6:
 *   gcc -O2 -I (include, ta_common, ta_func dirs) talib_bench.c + every .c file of
 *   <talib>/src/lib/src/ta_func and <talib>/src/lib/src/ta_common, -lm (see run.mjs).
 * Usage: talib_bench <series.bin> <reps> [reuse|fresh]   (series.bin: int64 n, then high, low,
 * close, volume as n little-endian doubles each). Prints one JSON object per function with the
 * median and best wall time in ms. `reuse` (default) passes the same caller-owned output
 * buffers to every call, TA-Lib's intended use; `fresh` mallocs new outputs for every call.
 * TA-Lib's own temporary buffers (MACD, ATR) are malloc'ed inside the functions either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ta_libc.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int n;
static double *high, *low, *close_, *volume;
static double sink;
static int fresh;
static double *b1, *b2, *b3;

static double run(int which) {
  int beg, nb;
  double *o1 = b1, *o2 = b2, *o3 = b3;
  if (fresh) { o1 = malloc(sizeof(double) * n); o2 = NULL; o3 = NULL; }
  double t0 = now_ms();
  switch (which) {
    case 0: TA_SMA(0, n - 1, close_, 20, &beg, &nb, o1); break;
    case 1: TA_EMA(0, n - 1, close_, 20, &beg, &nb, o1); break;
    case 2: TA_RSI(0, n - 1, close_, 14, &beg, &nb, o1); break;
    case 3:
      if (fresh) { o2 = malloc(sizeof(double) * n); o3 = malloc(sizeof(double) * n); }
      TA_MACD(0, n - 1, close_, 12, 26, 9, &beg, &nb, o1, o2, o3);
      break;
    case 4:
      if (fresh) { o2 = malloc(sizeof(double) * n); o3 = malloc(sizeof(double) * n); }
      TA_BBANDS(0, n - 1, close_, 20, 2.0, 2.0, TA_MAType_SMA, &beg, &nb, o1, o2, o3);
      break;
    case 5: TA_ATR(0, n - 1, high, low, close_, 14, &beg, &nb, o1); break;
  }
  double t = now_ms() - t0;
  sink += o1[nb - 1];
  if (fresh) { free(o1); free(o2); free(o3); }
  return t;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s series.bin reps\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  long long n64;
  if (fread(&n64, 8, 1, f) != 1) return 1;
  n = (int)n64;
  high = malloc(8 * n); low = malloc(8 * n); close_ = malloc(8 * n); volume = malloc(8 * n);
  if (fread(high, 8, n, f) != (size_t)n || fread(low, 8, n, f) != (size_t)n ||
      fread(close_, 8, n, f) != (size_t)n || fread(volume, 8, n, f) != (size_t)n) return 1;
  fclose(f);
  int reps = atoi(argv[2]);
  fresh = argc > 3 && strcmp(argv[3], "fresh") == 0;
  b1 = calloc(n, sizeof(double)); b2 = calloc(n, sizeof(double)); b3 = calloc(n, sizeof(double));
  memset(b1, 0, 8 * (size_t)n); memset(b2, 0, 8 * (size_t)n); memset(b3, 0, 8 * (size_t)n);
  TA_Initialize();
  const char *names[] = {"SMA", "EMA", "RSI", "MACD", "BBANDS", "ATR"};
  double *t = malloc(sizeof(double) * reps);
  for (int w = 0; w < 6; w++) {
    run(w); /* warm-up */
    for (int r = 0; r < reps; r++) t[r] = run(w);
    qsort(t, reps, sizeof(double), cmp);
    printf("{\"fn\":\"%s\",\"medianMs\":%.4f,\"bestMs\":%.4f}\n", names[w], t[reps / 2], t[0]);
  }
  fprintf(stderr, "checksum %g\n", sink);
  TA_Shutdown();
  return 0;
}
