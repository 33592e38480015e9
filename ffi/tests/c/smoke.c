/* The C ABI from C: labels, codes and byte offsets of hand-written messages, errors, and one
 * classifier shared by several threads. Built and run (also under valgrind memcheck) by
 * ffi/tests/c_abi.rs against the static and the shared library. Exit status 0 = all passed.
 *
 *   smoke [ROUNDS]   ROUNDS: classifications per thread (default 40) */
#include "smsguard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__);            \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n");                                            \
            failures++;                                                       \
        }                                                                     \
    } while (0)

/* Messages written for this test (not from any data set), with what must come out. */
struct expectation {
    const char *text;
    SmsguardLabel label;
    const char *code;   /* the code span's text, or NULL for none */
    const char *sender; /* the sender span's text, or NULL for none */
};

static const struct expectation CASES[] = {
    {"【顺丰速运】您的验证码为 730514，10分钟内有效，请勿泄露给他人。", SMSGUARD_VERIFICATION,
     "730514", "顺丰速运"},
    {"Your verification code is 4417. It expires in 5 minutes.", SMSGUARD_VERIFICATION, "4417",
     NULL},
    {"【招商银行】您尾号3309的信用卡本期账单已出，应还金额2,180.40元，到期还款日12月18日。",
     SMSGUARD_TRANSACTIONAL, NULL, "招商银行"},
    {"【美妆旗舰店】双十二狂欢价！精华买一送一，全场满199减40，点击 t.cn/Ab3dEf 抢购，回T退订",
     SMSGUARD_MARKETING, NULL, "美妆旗舰店"},
    {"妈，我今晚加班，不回家吃饭了，你们先吃", SMSGUARD_PERSONAL, NULL, NULL},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

/* The text of a span, as a new string (caller frees), or NULL when absent. */
static char *span_text(const char *msg, SmsguardSpan s) {
    if (!s.present) return NULL;
    char *t = malloc(s.end - s.start + 1);
    memcpy(t, msg + s.start, s.end - s.start);
    t[s.end - s.start] = '\0';
    return t;
}

static void check_case(const SmsguardClassifier *c, const struct expectation *e) {
    SmsguardPrediction p;
    SmsguardStatus st = smsguard_classify(c, e->text, strlen(e->text), &p);
    CHECK(st == SMSGUARD_OK, "status %d for %s", (int)st, e->text);
    if (st != SMSGUARD_OK) return;
    CHECK(p.label == e->label, "label %d, expected %d: %s", (int)p.label, (int)e->label,
          e->text);
    float sum = 0;
    for (int i = 0; i < 4; i++) sum += p.scores[i];
    CHECK(sum > 0.99f && sum < 1.01f, "scores sum to %f", sum);
    CHECK(p.confidence == p.scores[p.label], "confidence is the label's score");
    CHECK(!(p.fold && p.label != SMSGUARD_MARKETING), "only marketing folds: %s", e->text);
    char *code = span_text(e->text, p.code);
    CHECK((code == NULL) == (e->code == NULL) && (!code || strcmp(code, e->code) == 0),
          "code %s, expected %s: %s", code ? code : "(none)", e->code ? e->code : "(none)",
          e->text);
    free(code);
    char *sender = span_text(e->text, p.sender);
    CHECK((sender == NULL) == (e->sender == NULL) && (!sender || strcmp(sender, e->sender) == 0),
          "sender %s, expected %s", sender ? sender : "(none)", e->sender ? e->sender : "(none)");
    free(sender);
}

struct worker {
    const SmsguardClassifier *c;
    int rounds;
    int wrong;
};

static void *work(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < w->rounds; i++) {
        const struct expectation *e = &CASES[i % N_CASES];
        SmsguardPrediction p;
        if (smsguard_classify(w->c, e->text, strlen(e->text), &p) != SMSGUARD_OK ||
            p.label != e->label)
            w->wrong++;
        char *json = smsguard_classify_json(w->c, e->text, strlen(e->text));
        if (json == NULL || strstr(json, "\"label\"") == NULL) w->wrong++;
        smsguard_string_free(json);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 40;
    CHECK(smsguard_version() != NULL && strlen(smsguard_version()) > 0, "a version");

    SmsguardClassifier *c = smsguard_classifier_new_default();
    CHECK(c != NULL, "the default model loads");
    if (c == NULL) return 1;

    for (size_t i = 0; i < N_CASES; i++) check_case(c, &CASES[i]);

    /* JSON: the command's object; byte offsets of the code. */
    const char *msg = CASES[0].text;
    char *json = smsguard_classify_json(c, msg, strlen(msg));
    CHECK(json && strstr(json, "\"label\":\"verification\""), "JSON label: %s", json);
    CHECK(json && strstr(json, "\"value\":\"730514\""), "JSON code: %s", json);
    smsguard_string_free(json);

    const char *login = "【云栈】登录验证码 518204，5分钟内有效，如非本人操作请修改密码。";
    SmsguardPrediction lp;
    CHECK(smsguard_classify(c, login, strlen(login), &lp) == SMSGUARD_OK &&
              lp.code_purpose == SMSGUARD_LOGIN,
          "a login code's purpose: %d", (int)lp.code_purpose);

    /* A reset link is a secret: the message is protected like one with a code. */
    const char *reset = "【云栈】您申请了重置密码，请点击 https://yz.example.com/r/K8d2 完成。";
    SmsguardPrediction r;
    CHECK(smsguard_classify(c, reset, strlen(reset), &r) == SMSGUARD_OK &&
              r.secret_kind == SMSGUARD_RESET_LINK && r.secret.present && !r.fold,
          "reset link found and protected");
    char *link = span_text(reset, r.secret);
    CHECK(link && strcmp(link, "https://yz.example.com/r/K8d2") == 0, "link offsets: %s", link);
    free(link);

    /* Errors are values, not crashes. */
    json = smsguard_classify_json(c, "   ", 3);
    CHECK(json && strstr(json, "\"error\""), "empty message is a JSON error: %s", json);
    smsguard_string_free(json);
    json = smsguard_classify_json(NULL, "x", 1);
    CHECK(json && strstr(json, "\"error\""), "NULL classifier is a JSON error: %s", json);
    smsguard_string_free(json);
    json = smsguard_classify_json(c, NULL, 4);
    CHECK(json && strstr(json, "\"error\""), "NULL text is a JSON error: %s", json);
    smsguard_string_free(json);
    json = smsguard_classify_json(c, NULL, 0);
    CHECK(json && strstr(json, "\"error\""), "NULL empty text is an empty message: %s", json);
    smsguard_string_free(json);

    const char bad[] = "\xe9\xaa\x8c\xff\xfe 验证码 123456";
    SmsguardPrediction p;
    CHECK(smsguard_classify(c, bad, sizeof bad - 1, &p) == SMSGUARD_OK && p.invalid_utf8,
          "invalid UTF-8 is classified and flagged");
    json = smsguard_classify_json(c, bad, sizeof bad - 1);
    CHECK(json && strstr(json, "\"warning\""), "invalid UTF-8 warns: %s", json);
    smsguard_string_free(json);
    CHECK(smsguard_classify(c, "abc", 3, NULL) == SMSGUARD_NULL_ARGUMENT, "NULL out");
    CHECK(smsguard_classify(NULL, "abc", 3, &p) == SMSGUARD_NULL_ARGUMENT, "NULL classifier");
    CHECK(smsguard_classify(c, "\n\t ", 3, &p) == SMSGUARD_EMPTY_MESSAGE, "blank message");

    char *err = NULL;
    const uint8_t junk[] = "JUNK, not a model file";
    CHECK(smsguard_classifier_from_bytes(junk, sizeof junk, &err) == NULL && err != NULL,
          "junk bytes are refused with a message");
    if (err) CHECK(strstr(err, "expected") != NULL, "the message says what was expected: %s", err);
    smsguard_string_free(err);
    err = NULL;
    CHECK(smsguard_classifier_from_bytes(NULL, 10, &err) == NULL && err != NULL, "NULL bytes");
    smsguard_string_free(err);
    CHECK(smsguard_classifier_from_bytes(junk, sizeof junk, NULL) == NULL, "NULL error slot");
    smsguard_classifier_free(NULL);
    smsguard_string_free(NULL);

    /* One classifier, several threads at once. */
    enum { THREADS = 4 };
    pthread_t tid[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){c, rounds, 0};
        CHECK(pthread_create(&tid[i], NULL, work, &w[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        CHECK(w[i].wrong == 0, "thread %d: %d wrong results", i, w[i].wrong);
    }

    smsguard_classifier_free(c);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    else printf("smsguard C ABI: all checks passed (%d threads x %d rounds)\n", THREADS, rounds);
    return failures ? 1 : 0;
}
