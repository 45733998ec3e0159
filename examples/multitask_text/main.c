/* multitask_text: a program embedding a Hydra-compiled multi-task text model. It tokenizes
 * sentences itself (the C mirror of model.py's tokenize()), runs the model once per sentence
 * through the typed entry of the generated header, and prints the three heads' predictions.
 * usage: multitask_text [sentence ...]        (default: a few built-in sentences)
 *        multitask_text --check expected.txt  (compare with torch's predictions; exit 1 if any differ) */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multitask_text.h"       /* hydrac compile --name multitask_text */
#include "multitask_text_vocab.h" /* model.py: vocabulary and label names */

#define MAX_WORD 32

typedef struct encoded {
  int64_t ids[MT_SEQ], mask[MT_SEQ];
  char words[MT_SEQ][MAX_WORD]; /* words[i] is token i (words[0]: [CLS]) */
  int n;                        /* tokens in use, [CLS] included */
} encoded;

typedef struct prediction {
  int intent, sentiment;
  float intent_p, sentiment_p;
  int tags[MT_SEQ];
} prediction;

static int64_t word_id(const char *w) {
  for (int i = 0; i < MT_VOCAB_SIZE; i++)
    if (strcmp(MT_VOCAB[i], w) == 0) return i;
  return MT_UNK;
}

static bool word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\''; }

/* Lower-case, split on anything but [a-z0-9'], [CLS] first, pad to MT_SEQ (as model.py does). */
static void tokenize(const char *text, encoded *e) {
  memset(e, 0, sizeof *e);
  e->ids[0] = MT_CLS;
  snprintf(e->words[0], MAX_WORD, "[CLS]");
  e->n = 1;
  for (const char *p = text; *p && e->n < MT_SEQ;) {
    char w[MAX_WORD];
    size_t k = 0;
    for (; *p && word_char((char)tolower((unsigned char)*p)); p++)
      if (k + 1 < sizeof w) w[k++] = (char)tolower((unsigned char)*p);
    w[k] = 0;
    if (k) {
      e->ids[e->n] = word_id(w);
      memcpy(e->words[e->n++], w, k + 1);
    }
    while (*p && !word_char((char)tolower((unsigned char)*p))) p++;
  }
  for (int i = 0; i < MT_SEQ; i++) e->mask[i] = i < e->n;
  for (int i = e->n; i < MT_SEQ; i++) e->ids[i] = MT_PAD;
}

/* Index of the largest logit, and its softmax probability. */
static int argmax(const float *x, int n, float *p) {
  int best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  double sum = 0;
  for (int i = 0; i < n; i++) sum += exp((double)(x[i] - x[best]));
  if (p) *p = (float)(1.0 / sum);
  return best;
}

static hy_status predict(multitask_text_ctx *ctx, const encoded *e, prediction *out) {
  float intent[MT_N_INTENTS], sentiment[MT_N_SENTIMENTS], ner[MT_SEQ * MT_N_TAGS];
  hy_status s = multitask_text_run(ctx, e->ids, e->mask, intent, sentiment, ner);
  if (s != HY_OK) return s;
  out->intent = argmax(intent, MT_N_INTENTS, &out->intent_p);
  out->sentiment = argmax(sentiment, MT_N_SENTIMENTS, &out->sentiment_p);
  for (int i = 0; i < MT_SEQ; i++) out->tags[i] = argmax(ner + i * MT_N_TAGS, MT_N_TAGS, NULL);
  return HY_OK;
}

static void print_prediction(const char *text, const encoded *e, const prediction *p) {
  printf("\"%s\"\n", text);
  printf("  intent:    %-10s (p=%.2f)\n", MT_INTENTS[p->intent], p->intent_p);
  printf("  sentiment: %-10s (p=%.2f)\n", MT_SENTIMENTS[p->sentiment], p->sentiment_p);
  printf("  entities: ");
  int found = 0;
  for (int i = 1; i < e->n; i++)
    if (p->tags[i] != 0) printf(" %s=%s", e->words[i], MT_TAGS[p->tags[i]]), found++;
  printf("%s\n", found ? "" : " (none)");
}

/* "O CITY TIME" for the words of e (what expected.txt holds). */
static void tag_string(const encoded *e, const prediction *p, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = 1; i < e->n && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s", i > 1 ? " " : "", MT_TAGS[p->tags[i]]);
}

/* Each line of path: sentence \t intent \t sentiment \t tags; returns the number that differ. */
static int check(multitask_text_ctx *ctx, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return -1;
  }
  char line[1024];
  int total = 0, bad = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    char *text = strtok(line, "\t"), *intent = strtok(NULL, "\t"), *mood = strtok(NULL, "\t");
    char *tags = strtok(NULL, "\t");
    if (!text || !intent || !mood) continue;
    encoded e;
    prediction p;
    char got[512];
    tokenize(text, &e);
    if (predict(ctx, &e, &p) != HY_OK) {
      fprintf(stderr, "run failed: %s\n", multitask_text_error(ctx));
      fclose(f);
      return -1;
    }
    tag_string(&e, &p, got, sizeof got);
    bool ok = !strcmp(intent, MT_INTENTS[p.intent]) && !strcmp(mood, MT_SENTIMENTS[p.sentiment]) &&
              !strcmp(tags ? tags : "", got);
    total++;
    bad += !ok;
    printf("%s \"%s\": %s, %s, [%s]", ok ? "ok  " : "DIFF", text, MT_INTENTS[p.intent],
           MT_SENTIMENTS[p.sentiment], got);
    if (!ok) printf(" but torch says %s, %s, [%s]", intent, mood, tags ? tags : "");
    printf("\n");
  }
  fclose(f);
  printf("check: %d/%d sentences predicted as torch does\n", total - bad, total);
  return total ? bad : -1;
}

int main(int argc, char **argv) {
  static const char *const demo[] = {
      "What is the weather in London tomorrow? I love it",
      "play some Mozart tonight please",
      "wake me up Friday, this is awful",
      "find a restaurant in Rome, thanks a lot",
      "hi there",
  };
  multitask_text_ctx *ctx = NULL;
  hy_session_options opt = {.n_threads = 1};
  if (multitask_text_create(&ctx, &opt) != HY_OK) {
    fputs("multitask_text: cannot create the model context\n", stderr);
    return 1;
  }
  int rc = 0;
  if (argc == 3 && strcmp(argv[1], "--check") == 0) {
    rc = check(ctx, argv[2]) == 0 ? 0 : 1;
  } else {
    int n = argc > 1 ? argc - 1 : (int)(sizeof demo / sizeof *demo);
    for (int i = 0; i < n && rc == 0; i++) {
      const char *text = argc > 1 ? argv[i + 1] : demo[i];
      encoded e;
      prediction p;
      tokenize(text, &e);
      if (predict(ctx, &e, &p) != HY_OK) {
        fprintf(stderr, "multitask_text: %s\n", multitask_text_error(ctx));
        rc = 1;
        break;
      }
      print_prediction(text, &e, &p);
    }
  }
  multitask_text_destroy(ctx);
  return rc;
}
