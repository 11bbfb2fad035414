// C shim between bun:ffi and libllama.
// bun:ffi cannot pass structs by value, so every llama.h entry point that takes or returns a
// struct by value is wrapped here behind pointers and scalars. Struct layouts stay on the C
// side: TypeScript never hard-codes an offset.
// Log and abort handling also stay in C: threadsafe JSCallbacks are not reliable in Bun.

#include "ggml-cpu.h"
#include "llama.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------- logging
// llama.cpp logs from several threads; lines go into a ring buffer that TypeScript drains.

#define LOG_RING_SIZE (1 << 16)

static char            log_ring[LOG_RING_SIZE];
static size_t          log_head = 0;   // next write position
static size_t          log_len  = 0;   // bytes held
static int             log_min_level = GGML_LOG_LEVEL_WARN;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_push(const char * text) {
    size_t n = strlen(text);
    pthread_mutex_lock(&log_lock);
    for (size_t i = 0; i < n; i++) {
        log_ring[log_head] = text[i];
        log_head = (log_head + 1) % LOG_RING_SIZE;
        if (log_len < LOG_RING_SIZE) log_len++;  // when full, the oldest bytes are overwritten
    }
    pthread_mutex_unlock(&log_lock);
}

static int last_level = GGML_LOG_LEVEL_INFO;

static void log_callback(enum ggml_log_level level, const char * text, void * user_data) {
    (void) user_data;
    // CONT continues the previous line at its level.
    if (level != GGML_LOG_LEVEL_CONT) last_level = level;
    if (last_level < log_min_level) return;
    log_push(text);
}

// Routes llama.cpp and ggml logs into the ring; min_level is a ggml_log_level (2 info .. 4 error).
void shim_log_capture(int32_t min_level) {
    log_min_level = min_level;
    llama_log_set(log_callback, NULL);
}

// Copies up to cap buffered bytes into out and drops them from the ring; returns the count.
int32_t shim_log_read(char * out, int32_t cap) {
    pthread_mutex_lock(&log_lock);
    size_t n = log_len < (size_t) cap ? log_len : (size_t) cap;
    size_t start = (log_head + LOG_RING_SIZE - log_len) % LOG_RING_SIZE;
    for (size_t i = 0; i < n; i++) out[i] = log_ring[(start + i) % LOG_RING_SIZE];
    log_len -= n;
    pthread_mutex_unlock(&log_lock);
    return (int32_t) n;
}

// ---------------------------------------------------------------- model and context

// Load progress goes straight to a file descriptor from C (the runner's stderr, read by the
// server), every 10%: the loading thread is blocked in this call, so JavaScript cannot poll.
static int progress_fd = -1;
static int progress_last = -1;

static bool progress_callback(float progress, void * user_data) {
    (void) user_data;
    int percent = (int) (progress * 100.0f);
    if (progress_fd >= 0 && percent / 10 != progress_last / 10) {
        progress_last = percent;
        dprintf(progress_fd, "bunllama-load-progress %d\n", percent);
    }
    return true;
}

struct llama_model * shim_model_load(const char * path, int32_t n_gpu_layers, bool use_mmap, int32_t report_fd) {
    struct llama_model_params params = llama_model_default_params();
    params.n_gpu_layers = n_gpu_layers;
    params.load_mode = use_mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
    progress_fd = report_fd;
    progress_last = -1;
    params.progress_callback = progress_callback;
    return llama_model_load_from_file(path, params);
}

// The vocabulary alone (no weights): what a tokenizer process needs, loaded in milliseconds.
struct llama_model * shim_model_load_vocab(const char * path) {
    struct llama_model_params params = llama_model_default_params();
    params.vocab_only = true;
    params.n_gpu_layers = 0;
    return llama_model_load_from_file(path, params);
}

// The most input bytes one token can stand for: the longest piece (special tokens rendered,
// as prompts are tokenized with parse_special). 0 where the tokenizer normalizes its input
// (WordPiece drops whitespace and accents, Unigram applies a charmap), so no bound holds.
int32_t shim_vocab_max_piece_bytes(const struct llama_vocab * vocab) {
    enum llama_vocab_type type = llama_vocab_type(vocab);
    if (type == LLAMA_VOCAB_TYPE_WPM || type == LLAMA_VOCAB_TYPE_UGM) return 0;
    char buf[1024];
    int32_t longest = 0;
    int32_t n_tokens = llama_vocab_n_tokens(vocab);
    for (llama_token token = 0; token < n_tokens; token++) {
        int32_t n = llama_token_to_piece(vocab, token, buf, sizeof(buf), 0, true);
        if (n < 0) n = -n;  // longer than buf: the negative value is the length
        if (n > longest) longest = n;
    }
    return longest;
}

// Each context gets its own ggml thread pools, as llama-server's common_threadpools does. With
// ggml built without OpenMP (llama.cpp/build.sh), a context without them starts and joins a new
// set of threads for every graph; with OpenMP the pool only carries the thread count.
struct shim_pools {
    struct llama_context * ctx;
    struct ggml_threadpool * decode;
    struct ggml_threadpool * batch;   // NULL: the decode pool serves prompts too
    void (*free_fn)(struct ggml_threadpool *);
    struct shim_pools * next;
};
static struct shim_pools * pools_list = NULL;
static pthread_mutex_t     pools_lock = PTHREAD_MUTEX_INITIALIZER;

// Without the CPU backend's thread pool entry points (or memory) the context keeps making its own threads.
static void attach_thread_pools(struct llama_context * ctx, int32_t n_threads, int32_t n_threads_batch) {
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (!cpu) return;
    ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(cpu);
    struct ggml_threadpool * (*new_fn)(struct ggml_threadpool_params *) = ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new");
    void (*free_fn)(struct ggml_threadpool *) = ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free");
    if (!new_fn || !free_fn) return;
    struct ggml_threadpool * batch = NULL;
    struct ggml_threadpool_params decode_params = ggml_threadpool_params_default(n_threads);
    if (n_threads_batch != n_threads) {
        struct ggml_threadpool_params batch_params = ggml_threadpool_params_default(n_threads_batch);
        if (!(batch = new_fn(&batch_params))) return;
        decode_params.paused = true;  // llama.cpp resumes the pool a graph runs on
    }
    struct ggml_threadpool * decode = new_fn(&decode_params);
    struct shim_pools * pools = decode ? calloc(1, sizeof(*pools)) : NULL;
    if (!pools) {
        if (decode) free_fn(decode);
        if (batch) free_fn(batch);
        return;
    }
    *pools = (struct shim_pools) { ctx, decode, batch, free_fn, NULL };
    llama_attach_threadpool(ctx, decode, batch);
    pthread_mutex_lock(&pools_lock);
    pools->next = pools_list;
    pools_list = pools;
    pthread_mutex_unlock(&pools_lock);
}

// A context's pools; NULL when none were attached. The caller holds pools_lock.
static struct shim_pools * pools_of(const struct llama_context * ctx) {
    struct shim_pools * pools = pools_list;
    while (pools && pools->ctx != ctx) pools = pools->next;
    return pools;
}

// The pool a context decodes on; NULL when none was attached.
static struct ggml_threadpool * decode_pool(const struct llama_context * ctx) {
    pthread_mutex_lock(&pools_lock);
    struct shim_pools * pools = pools_of(ctx);
    struct ggml_threadpool * pool = pools ? pools->decode : NULL;
    pthread_mutex_unlock(&pools_lock);
    return pool;
}

// Puts a context's pool threads to sleep until its next graph (which wakes them). After a graph
// they poll for the next one (ggml's default: about 130 ms of a core here) so that a decode loop
// hands over at once; a context with nothing to do would spend that on CPU others need.
// (ggml's backend registry offers no pause entry point; the shim links ggml-cpu anyway.)
void shim_context_idle(const struct llama_context * ctx) {
    pthread_mutex_lock(&pools_lock);
    struct shim_pools * pools = pools_of(ctx);
    if (pools) {
        ggml_threadpool_pause(pools->decode);
        if (pools->batch) ggml_threadpool_pause(pools->batch);
    }
    pthread_mutex_unlock(&pools_lock);
}

struct llama_context * shim_context_new(
        struct llama_model * model,
        uint32_t n_ctx, uint32_t n_batch, uint32_t n_ubatch, uint32_t n_seq_max,
        int32_t n_threads, int32_t n_threads_batch, int32_t flash_attn, bool kv_unified) {
    struct llama_context_params params = llama_context_default_params();
    params.n_ctx           = n_ctx;
    params.n_batch         = n_batch;
    params.n_ubatch        = n_ubatch;
    params.n_seq_max       = n_seq_max;
    params.n_threads       = n_threads;
    params.n_threads_batch = n_threads_batch;
    params.flash_attn_type = (enum llama_flash_attn_type) flash_attn;
    params.kv_unified      = kv_unified;
    params.no_perf         = true;
    struct llama_context * ctx = llama_init_from_model(model, params);
    if (ctx) attach_thread_pools(ctx, n_threads, n_threads_batch);
    return ctx;
}

// Frees the context, then its thread pools.
void shim_context_free(struct llama_context * ctx) {
    pthread_mutex_lock(&pools_lock);
    struct shim_pools ** link = &pools_list;
    while (*link && (*link)->ctx != ctx) link = &(*link)->next;
    struct shim_pools * pools = *link;
    if (pools) *link = pools->next;
    pthread_mutex_unlock(&pools_lock);
    llama_free(ctx);
    if (!pools) return;
    pools->free_fn(pools->decode);
    if (pools->batch) pools->free_fn(pools->batch);
    free(pools);
}

// ---------------------------------------------------------------- batch and decode

// A heap llama_batch for one sequence id per token.
struct llama_batch * shim_batch_new(int32_t capacity) {
    struct llama_batch * batch = malloc(sizeof(struct llama_batch));
    if (!batch) return NULL;
    *batch = llama_batch_init(capacity, 0, 1);
    return batch;
}

void shim_batch_free(struct llama_batch * batch) {
    if (!batch) return;
    llama_batch_free(*batch);
    free(batch);
}

// Fills the batch from flat arrays owned by the caller and decodes it (one FFI call a step).
int32_t shim_decode(
        struct llama_context * ctx, struct llama_batch * batch, int32_t n_tokens,
        const int32_t * tokens, const int32_t * positions, const int32_t * seq_ids,
        const int8_t * want_logits) {
    for (int32_t i = 0; i < n_tokens; i++) {
        batch->token[i]     = tokens[i];
        batch->pos[i]       = positions[i];
        batch->n_seq_id[i]  = 1;
        batch->seq_id[i][0] = seq_ids[i];
        batch->logits[i]    = want_logits[i];
    }
    batch->n_tokens = n_tokens;
    return llama_decode(ctx, *batch);
}

// ---------------------------------------------------------------- sampling

struct llama_sampler * shim_sampler_chain_new(void) {
    struct llama_sampler_chain_params params = llama_sampler_chain_default_params();
    params.no_perf = true;
    return llama_sampler_chain_init(params);
}

// DRY takes an array of C strings; breakers arrive joined by '\0' to keep the FFI flat.
struct llama_sampler * shim_sampler_dry(
        const struct llama_vocab * vocab, float multiplier, float base, int32_t allowed_length, int32_t penalty_last_n,
        const char * breakers_joined, int32_t n_breakers) {
    const char * breakers[64];
    if (n_breakers > 64) n_breakers = 64;
    const char * p = breakers_joined;
    for (int32_t i = 0; i < n_breakers; i++) {
        breakers[i] = p;
        p += strlen(p) + 1;
    }
    return llama_sampler_init_dry(vocab, multiplier, base, allowed_length, penalty_last_n,
                                  breakers, (size_t) n_breakers);
}

// Repetition, frequency and presence penalties with llama_sampler_init_penalties' arithmetic,
// applied to the window's tokens by index: llama.cpp's own sampler does a hash lookup for every
// vocabulary entry (150k on Qwen) at every sampled token, which cost more than the rest of the
// chain together.
struct shim_penalties {
    int32_t   n_vocab;
    int32_t   last_n;
    float     repeat, freq, present;
    int32_t * ring;    // the window, oldest at head
    int32_t   head, size;
    int32_t * count;   // occurrences in the window, per token
};

static const char * shim_penalties_name(const struct llama_sampler * smpl) {
    (void) smpl;
    return "penalties";
}

static void shim_penalties_accept(struct llama_sampler * smpl, llama_token token) {
    struct shim_penalties * p = smpl->ctx;
    if (token < 0 || token >= p->n_vocab) return;
    if (p->size == p->last_n) {
        p->count[p->ring[p->head]]--;
        p->ring[p->head] = token;
        p->head = (p->head + 1) % p->last_n;
    } else {
        p->ring[(p->head + p->size) % p->last_n] = token;
        p->size++;
    }
    p->count[token]++;
}

static void shim_penalize(const struct shim_penalties * p, llama_token_data * d, int32_t n) {
    if (d->logit <= 0) d->logit *= p->repeat;
    else d->logit /= p->repeat;
    d->logit -= (float) n * p->freq + (float) (n > 0) * p->present;
}

static void shim_penalties_apply(struct llama_sampler * smpl, llama_token_data_array * cur_p) {
    struct shim_penalties * p = smpl->ctx;
    // Candidates still in vocabulary order (the chain's start): each window token is its index.
    const bool by_index = cur_p->size == (size_t) p->n_vocab && !cur_p->sorted &&
                          cur_p->data[0].id == 0 && cur_p->data[p->n_vocab - 1].id == p->n_vocab - 1;
    if (!by_index) {
        for (size_t i = 0; i < cur_p->size; i++) {
            const llama_token id = cur_p->data[i].id;
            if (id >= 0 && id < p->n_vocab && p->count[id] > 0) shim_penalize(p, &cur_p->data[i], p->count[id]);
        }
    } else {
        // A token seen several times is penalized once: its count is negated while done.
        for (int32_t i = 0; i < p->size; i++) {
            const llama_token id = p->ring[(p->head + i) % p->last_n];
            if (p->count[id] <= 0) continue;
            shim_penalize(p, &cur_p->data[id], p->count[id]);
            p->count[id] = -p->count[id];
        }
        for (int32_t i = 0; i < p->size; i++) {
            const llama_token id = p->ring[(p->head + i) % p->last_n];
            if (p->count[id] < 0) p->count[id] = -p->count[id];
        }
    }
    cur_p->sorted = false;
}

static void shim_penalties_reset(struct llama_sampler * smpl) {
    struct shim_penalties * p = smpl->ctx;
    memset(p->count, 0, sizeof(int32_t) * (size_t) p->n_vocab);
    p->head = 0;
    p->size = 0;
}

static void shim_penalties_free(struct llama_sampler * smpl) {
    struct shim_penalties * p = smpl->ctx;
    if (!p) return;
    free(p->ring);
    free(p->count);
    free(p);
}

static struct llama_sampler_i shim_penalties_iface = {
    .name   = shim_penalties_name,
    .accept = shim_penalties_accept,
    .apply  = shim_penalties_apply,
    .reset  = shim_penalties_reset,
    // No clone: nothing here copies a chain.
    .free   = shim_penalties_free,
};

struct llama_sampler * shim_sampler_penalties(int32_t n_vocab, int32_t last_n, float repeat, float freq, float present) {
    if (n_vocab <= 0 || last_n <= 0) return NULL;
    struct shim_penalties * p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->n_vocab = n_vocab;
    p->last_n  = last_n;
    p->repeat  = repeat;
    p->freq    = freq;
    p->present = present;
    p->ring    = calloc((size_t) last_n, sizeof(int32_t));
    p->count   = calloc((size_t) n_vocab, sizeof(int32_t));
    if (!p->ring || !p->count) {
        free(p->ring);
        free(p->count);
        free(p);
        return NULL;
    }
    return llama_sampler_init(&shim_penalties_iface, p);
}

// llama_sampler_init_logit_bias's arithmetic (each listed token's logit plus its bias), as a
// sampler of our own so that pick() can see which tokens it changes (see touched_tokens).
struct shim_logit_bias {
    int32_t            n_vocab;
    int32_t            n;
    llama_logit_bias * biases;
};

static const char * shim_logit_bias_name(const struct llama_sampler * smpl) {
    (void) smpl;
    return "logit-bias";
}

static void shim_logit_bias_apply(struct llama_sampler * smpl, llama_token_data_array * cur_p) {
    const struct shim_logit_bias * b = smpl->ctx;
    for (int32_t j = 0; j < b->n; j++) {
        const llama_token token = b->biases[j].token;
        if (token >= 0 && (size_t) token < cur_p->size && cur_p->data[token].id == token) {
            cur_p->data[token].logit += b->biases[j].bias;
            continue;
        }
        for (size_t i = 0; i < cur_p->size; i++) {
            if (cur_p->data[i].id == token) {
                cur_p->data[i].logit += b->biases[j].bias;
                break;
            }
        }
    }
}

static void shim_logit_bias_free(struct llama_sampler * smpl) {
    struct shim_logit_bias * b = smpl->ctx;
    if (!b) return;
    free(b->biases);
    free(b);
}

static struct llama_sampler_i shim_logit_bias_iface = {
    .name   = shim_logit_bias_name,
    .apply  = shim_logit_bias_apply,
    .free   = shim_logit_bias_free,
};

struct llama_sampler * shim_sampler_logit_bias(int32_t n_vocab, int32_t n, const llama_logit_bias * biases) {
    if (n_vocab <= 0 || n < 0) return NULL;
    struct shim_logit_bias * b = calloc(1, sizeof(*b));
    if (!b) return NULL;
    b->n_vocab = n_vocab;
    b->n       = n;
    b->biases  = malloc(sizeof(llama_logit_bias) * (size_t) (n > 0 ? n : 1));
    if (!b->biases) {
        free(b);
        return NULL;
    }
    if (n > 0) memcpy(b->biases, biases, sizeof(llama_logit_bias) * (size_t) n);
    return llama_sampler_init(&shim_logit_bias_iface, b);
}

// llama.cpp's top-k, wrapped so that pick() can read k (sparse_top_k); it applies llama.cpp's own.
struct shim_top_k {
    int32_t                k;
    struct llama_sampler * inner;
};

static const char * shim_top_k_name(const struct llama_sampler * smpl) {
    (void) smpl;
    return "top-k";
}

static void shim_top_k_apply(struct llama_sampler * smpl, llama_token_data_array * cur_p) {
    llama_sampler_apply(((struct shim_top_k *) smpl->ctx)->inner, cur_p);
}

static void shim_top_k_free(struct llama_sampler * smpl) {
    struct shim_top_k * t = smpl->ctx;
    if (!t) return;
    llama_sampler_free(t->inner);
    free(t);
}

static struct llama_sampler_i shim_top_k_iface = {
    .name   = shim_top_k_name,
    .apply  = shim_top_k_apply,
    .free   = shim_top_k_free,
};

struct llama_sampler * shim_sampler_top_k(int32_t k) {
    struct shim_top_k * t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->k = k;
    t->inner = llama_sampler_init_top_k(k);
    if (!t->inner) {
        free(t);
        return NULL;
    }
    return llama_sampler_init(&shim_top_k_iface, t);
}

// Log-softmax of the raw logits at output idx: the chosen token's logprob, and the k most
// likely tokens written to top_ids/top_logprobs in descending order.
float shim_logprobs(
        struct llama_context * ctx, const struct llama_vocab * vocab, int32_t idx,
        int32_t token, int32_t k, int32_t * top_ids, float * top_logprobs) {
    const float * logits = llama_get_logits_ith(ctx, idx);
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);
    if (!logits) return NAN;

    float max_logit = -INFINITY;
    for (int32_t i = 0; i < n_vocab; i++) if (logits[i] > max_logit) max_logit = logits[i];
    double sum = 0.0;
    for (int32_t i = 0; i < n_vocab; i++) sum += exp((double) (logits[i] - max_logit));
    const float log_z = max_logit + (float) log(sum);

    // Partial selection of the k best: k is at most 20, a simple insertion list is enough.
    for (int32_t j = 0; j < k; j++) { top_ids[j] = -1; top_logprobs[j] = -INFINITY; }
    for (int32_t i = 0; i < n_vocab && k > 0; i++) {
        const float lp = logits[i] - log_z;
        if (lp <= top_logprobs[k - 1]) continue;
        int32_t j = k - 1;
        while (j > 0 && top_logprobs[j - 1] < lp) {
            top_logprobs[j] = top_logprobs[j - 1];
            top_ids[j] = top_ids[j - 1];
            j--;
        }
        top_logprobs[j] = lp;
        top_ids[j] = i;
    }
    if (token < 0 || token >= n_vocab) return NAN;
    return logits[token] - log_z;
}

// Samples like llama-server: the chain picks a token from the raw logits; only when the
// grammar rejects it is the grammar applied to the whole vocabulary and the chain run again.
// Applying a grammar to every candidate at every step is what makes constrained decoding slow.
static void fill_candidates(const float * logits, int32_t n_vocab, llama_token_data * data) {
    for (int32_t i = 0; i < n_vocab; i++) data[i] = (llama_token_data) { i, logits[i], 0.0f };
}

// A chain that is only "greedy" (temperature 0 and nothing else) picks the first highest logit:
// found straight from the logits, without building the 12-byte-a-token candidate array.
static bool greedy_only(const struct llama_sampler * chain) {
    return llama_sampler_chain_n(chain) == 1 &&
           strcmp(llama_sampler_name(llama_sampler_chain_get((struct llama_sampler *) chain, 0)), "greedy") == 0;
}

// llama.cpp's greedy: the first index whose logit is strictly greater than all before it.
// Eight running maxima first (independent, so the loop pipelines), then the first index at the max.
static llama_token argmax(const float * logits, int32_t n_vocab) {
    if (isnan(logits[0])) return 0;  // greedy never moves off a NaN at index 0
    float best[8] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY };
    int32_t i = 0;
    for (; i + 8 <= n_vocab; i += 8) {
        for (int32_t k = 0; k < 8; k++) best[k] = logits[i + k] > best[k] ? logits[i + k] : best[k];
    }
    for (; i < n_vocab; i++) best[0] = logits[i] > best[0] ? logits[i] : best[0];
    float max = best[0];
    for (int32_t k = 1; k < 8; k++) max = best[k] > max ? best[k] : max;
    for (i = 0; i < n_vocab; i++) if (logits[i] == max) return i;
    return 0;
}

// Tokens the chain's first `count` samplers (ours: penalties, bias) can change, each once, into
// `out` (at most `cap`); -1 when one of them is another sampler, or the tokens exceed `cap`.
// Such samplers change each token's logit on its own, so the chain needs only these tokens.
#define SHIM_MAX_TOUCHED 256
static bool listed(const llama_token * ids, int32_t n, llama_token id) {
    for (int32_t i = 0; i < n; i++) if (ids[i] == id) return true;
    return false;
}

static int32_t touched_tokens(const struct llama_sampler * chain, int32_t count, llama_token * out, int32_t cap) {
    int32_t n = 0;
    bool full = false;
    for (int32_t s = 0; s < count && !full; s++) {
        const struct llama_sampler * smpl = llama_sampler_chain_get((struct llama_sampler *) chain, s);
        if (smpl->iface == &shim_penalties_iface) {
            const struct shim_penalties * p = smpl->ctx;
            for (int32_t i = 0; i < p->size; i++) {
                const llama_token id = p->ring[(p->head + i) % p->last_n];
                if (listed(out, n, id)) continue;
                if (n == cap) { full = true; break; }
                out[n++] = id;
            }
        } else if (smpl->iface == &shim_logit_bias_iface) {
            const struct shim_logit_bias * b = smpl->ctx;
            for (int32_t j = 0; j < b->n; j++) {
                const llama_token id = b->biases[j].token;
                if (id < 0 || id >= b->n_vocab || listed(out, n, id)) continue;
                if (n == cap) { full = true; break; }
                out[n++] = id;
            }
        } else {
            full = true;
        }
    }
    return full ? -1 : n;
}

// The touched tokens (see touched_tokens) with their raw logits, and as the chain's first `count`
// samplers leave them, in `small`; -1 as touched_tokens.
static int32_t apply_to_touched(const float * logits, struct llama_sampler * chain, int32_t count,
                                llama_token * ids, float * raw, llama_token_data * small) {
    const int32_t n = touched_tokens(chain, count, ids, SHIM_MAX_TOUCHED);
    if (n < 0) return -1;
    for (int32_t i = 0; i < n; i++) {
        raw[i] = logits[ids[i]];
        small[i] = (llama_token_data) { ids[i], raw[i], 0.0f };
    }
    llama_token_data_array array = { small, (size_t) n, -1, false };
    for (int32_t s = 0; s < count; s++) llama_sampler_apply(llama_sampler_chain_get(chain, s), &array);
    return n;
}

// Greedy after penalty and bias samplers, without the 150k-entry candidate array: the touched
// tokens go through the samplers in a small array, the rest keep their raw logits. The answer is
// llama.cpp's greedy over the whole changed vocabulary: the first index at the highest logit.
// Returns -1 when the chain is not of that form (the caller takes the general path).
static llama_token sparse_greedy(float * logits, int32_t n_vocab, struct llama_sampler * chain) {
    const int32_t n_samplers = llama_sampler_chain_n(chain);
    if (n_samplers < 2) return -1;
    if (strcmp(llama_sampler_name(llama_sampler_chain_get((struct llama_sampler *) chain, n_samplers - 1)), "greedy") != 0) return -1;
    if (isnan(logits[0])) return -1;
    llama_token ids[SHIM_MAX_TOUCHED];
    float raw[SHIM_MAX_TOUCHED];
    llama_token_data small[SHIM_MAX_TOUCHED];
    const int32_t n = apply_to_touched(logits, chain, n_samplers - 1, ids, raw, small);
    if (n < 0) return -1;
    // The best untouched token: the touched ones hidden for one scan, then put back.
    for (int32_t i = 0; i < n; i++) logits[ids[i]] = -INFINITY;
    const llama_token rest = argmax(logits, n_vocab);
    const float rest_logit = logits[rest];
    for (int32_t i = 0; i < n; i++) logits[ids[i]] = raw[i];
    llama_token best = rest;
    float best_logit = rest_logit;
    for (int32_t i = 0; i < n; i++) {
        const float l = small[i].logit;
        if (l > best_logit || (l == best_logit && small[i].id < best)) {
            best = small[i].id;
            best_logit = l;
        }
    }
    return best;
}

// Top-k after our bias and penalty samplers, without the 150k-entry candidate array: the k+1
// best untouched tokens come from one scan of the raw logits (touched ones hidden, as in
// sparse_greedy), merged with the touched tokens as the samplers left them. The k best, sorted,
// are what llama.cpp's top-k leaves, and the rest of the chain runs on them. Where two of the
// first k+1 tie, the order llama.cpp's partial sort gives them is its own: the general path then.
// Returns -1 when the chain is not of that form.
#define SHIM_MAX_TOP_K 128
typedef struct { float logit; llama_token id; } shim_scored;

static void heap_sift_down(shim_scored * heap, int32_t size, int32_t i) {
    for (;;) {
        int32_t least = i;
        const int32_t l = 2 * i + 1, r = l + 1;
        if (l < size && heap[l].logit < heap[least].logit) least = l;
        if (r < size && heap[r].logit < heap[least].logit) least = r;
        if (least == i) return;
        const shim_scored tmp = heap[i];
        heap[i] = heap[least];
        heap[least] = tmp;
        i = least;
    }
}

// Puts (logit, id) in place of the heap's least when it beats it; returns the new least.
static float heap_offer(shim_scored * heap, int32_t size, float logit, llama_token id, float least) {
    if (!(logit > least)) return least;
    heap[0] = (shim_scored) { logit, id };
    heap_sift_down(heap, size, 0);
    return heap[0].logit;
}

static int by_logit_descending(const void * a, const void * b) {
    const float x = ((const shim_scored *) a)->logit, y = ((const shim_scored *) b)->logit;
    return x > y ? -1 : x < y ? 1 : 0;
}

static llama_token sparse_top_k(float * logits, int32_t n_vocab, llama_token_data * data, struct llama_sampler * chain) {
    const int32_t n_samplers = llama_sampler_chain_n(chain);
    int32_t at = -1;
    for (int32_t s = 0; s < n_samplers && at < 0; s++) {
        const struct llama_sampler * smpl = llama_sampler_chain_get(chain, s);
        if (smpl->iface == &shim_top_k_iface) at = s;
        else if (smpl->iface != &shim_penalties_iface && smpl->iface != &shim_logit_bias_iface) return -1;
    }
    if (at < 0) return -1;
    const int32_t k = ((const struct shim_top_k *) llama_sampler_chain_get(chain, at)->ctx)->k;
    if (k <= 0 || k > SHIM_MAX_TOP_K || k + 1 > n_vocab) return -1;
    llama_token ids[SHIM_MAX_TOUCHED];
    float raw[SHIM_MAX_TOUCHED];
    llama_token_data small[SHIM_MAX_TOUCHED];
    const int32_t n = apply_to_touched(logits, chain, at, ids, raw, small);
    if (n < 0) return -1;

    // The k+1 best untouched logits: a min-heap, most entries rejected by one comparison.
    shim_scored best[SHIM_MAX_TOP_K + 1 + SHIM_MAX_TOUCHED];
    const int32_t m = k + 1;
    int32_t size = 0;
    for (int32_t i = 0; i < n; i++) logits[ids[i]] = -INFINITY;
    // A NaN logit is never chosen here: as -inf it leaves the heap, or sends the pick to the general path.
    for (int32_t i = 0; i < m; i++) best[size++] = (shim_scored) { isnan(logits[i]) ? -INFINITY : logits[i], i };
    for (int32_t j = m / 2 - 1; j >= 0; j--) heap_sift_down(best, m, j);
    // Blocks of 16 whose maximum does not beat the heap's least are skipped (almost all of them
    // once the heap holds good values); the maximum of a block is a loop the compiler vectorizes.
    float least = best[0].logit;
    int32_t i = m;
    for (; i + 16 <= n_vocab; i += 16) {
        float block = -INFINITY;
        for (int32_t j = 0; j < 16; j++) block = logits[i + j] > block ? logits[i + j] : block;
        if (!(block > least)) continue;
        for (int32_t j = i; j < i + 16; j++) least = heap_offer(best, m, logits[j], j, least);
    }
    for (; i < n_vocab; i++) least = heap_offer(best, m, logits[i], i, least);
    for (int32_t j = 0; j < n; j++) logits[ids[j]] = raw[j];
    // A hidden token in the heap (fewer than k+1 others above -inf) makes the scan unusable.
    for (int32_t i = 0; i < size; i++) if (isinf(best[i].logit) && best[i].logit < 0) return -1;
    for (int32_t i = 0; i < n; i++) best[size++] = (shim_scored) { small[i].logit, small[i].id };
    qsort(best, (size_t) size, sizeof(best[0]), by_logit_descending);
    for (int32_t i = 0; i < m; i++) {
        if (isnan(best[i].logit)) return -1;
        if (i > 0 && best[i].logit == best[i - 1].logit) return -1;
    }
    for (int32_t i = 0; i < k; i++) data[i] = (llama_token_data) { best[i].id, best[i].logit, 0.0f };
    llama_token_data_array array = { data, (size_t) k, -1, true };
    for (int32_t s = at + 1; s < n_samplers; s++) llama_sampler_apply(llama_sampler_chain_get(chain, s), &array);
    return array.selected >= 0 ? array.data[array.selected].id : -1;
}

// `logits` is written to only for a moment (sparse_greedy, sparse_top_k) and left as it was.
static llama_token pick(float * logits, int32_t n_vocab, llama_token_data * data,
                        struct llama_sampler * chain, struct llama_sampler * grammar) {
    llama_token id;
    if (greedy_only(chain)) {
        id = argmax(logits, n_vocab);
    } else if ((id = sparse_greedy(logits, n_vocab, chain)) >= 0) {
        // penalties and biases, then greedy
    } else if ((id = sparse_top_k(logits, n_vocab, data, chain)) >= 0) {
        // penalties and biases, then top-k and the rest on k candidates
    } else {
        fill_candidates(logits, n_vocab, data);
        llama_token_data_array array = { data, (size_t) n_vocab, -1, false };
        llama_sampler_apply(chain, &array);
        id = array.data[array.selected].id;
    }
    if (grammar) {
        llama_token_data single = { id, 1.0f, 0.0f };
        llama_token_data_array check = { &single, 1, -1, false };
        llama_sampler_apply(grammar, &check);
        if (isinf(single.logit) && single.logit < 0) {
            fill_candidates(logits, n_vocab, data);
            llama_token_data_array array = { data, (size_t) n_vocab, -1, false };
            llama_sampler_apply(grammar, &array);
            llama_sampler_apply(chain, &array);
            id = array.data[array.selected].id;
        }
        llama_sampler_accept(grammar, id);
    }
    llama_sampler_accept(chain, id);
    return id;
}

// One candidate array per thread (each is 12 bytes a token: reused while it is in cache).
static llama_token_data * candidates = NULL;
static size_t             candidates_cap = 0;
#define SHIM_MAX_SAMPLED 1024

// One batch of picks, shared by the threads that take them one at a time.
struct sampling_job {
    float * const * logits;
    int32_t n;
    int32_t n_vocab;
    struct llama_sampler * const * chains;
    struct llama_sampler * const * grammars;
    int32_t * tokens;
    atomic_int next;
};

static void sampling_task(struct ggml_tensor * dst, int ith, int nth, void * userdata) {
    (void) dst;
    (void) nth;
    struct sampling_job * job = userdata;
    llama_token_data * mine = candidates + (size_t) ith * job->n_vocab;
    for (int32_t i = atomic_fetch_add(&job->next, 1); i < job->n; i = atomic_fetch_add(&job->next, 1)) {
        job->tokens[i] = pick(job->logits[i], job->n_vocab, mine, job->chains[i], job->grammars[i]);
    }
}

// Runs the job as one custom-op graph node on the context's ggml pool: its threads are the
// decode threads, idle between graphs, and no second set of threads competes with them for the
// cores. false when the graph could not run (nothing was picked then).
static bool sample_on_pool(struct ggml_threadpool * pool, int32_t n_threads, struct sampling_job * job) {
    _Alignas(16) char arena[16384];  // one tensor and a one-node graph (no data: no_alloc)
    struct ggml_init_params params = { sizeof(arena), arena, true };
    struct ggml_context * graph_ctx = ggml_init(params);
    if (!graph_ctx) return false;
    struct ggml_tensor * node = ggml_custom_4d(graph_ctx, GGML_TYPE_F32, 1, 1, 1, 1, NULL, 0, sampling_task, n_threads, job);
    struct ggml_cgraph * graph = ggml_new_graph_custom(graph_ctx, 1, false);
    ggml_build_forward_expand(graph, node);
    struct ggml_cplan plan = ggml_graph_plan(graph, n_threads, pool);
    bool ran = plan.work_size == 0 && ggml_graph_compute(graph, &plan) == GGML_STATUS_SUCCESS;
    ggml_free(graph_ctx);
    return ran;
}

// Samples n sequences after one decode: tokens[i] from the logits at batch index idx[i] with
// chains[i] (and grammars[i], may be NULL), each accepted. Sequences are sampled side by side on
// the context's threads (distinct samplers share no state). Returns 0, or -1 when an index has
// no logits (nothing is sampled then).
int32_t shim_sample_many(
        struct llama_context * ctx, const struct llama_vocab * vocab, int32_t n, const int32_t * idx,
        struct llama_sampler * const * chains, struct llama_sampler * const * grammars, int32_t * tokens) {
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);
    if (n <= 0 || n > SHIM_MAX_SAMPLED) return -1;
    float * logits[SHIM_MAX_SAMPLED];
    for (int32_t i = 0; i < n; i++) {
        logits[i] = llama_get_logits_ith(ctx, idx[i]);
        if (!logits[i]) return -1;
    }
    struct ggml_threadpool * pool = decode_pool(ctx);
    int32_t n_threads = pool && llama_n_threads(ctx) > 0 ? llama_n_threads(ctx) : 1;
    if (n_threads > n) n_threads = n;
    const size_t needed = (size_t) n_threads * (size_t) n_vocab;
    if (candidates_cap < needed) {
        llama_token_data * grown = realloc(candidates, sizeof(llama_token_data) * needed);
        if (!grown) return -1;
        candidates = grown;
        candidates_cap = needed;
    }
    // pick() may hide logits for a moment (sparse_greedy): two picks from one row go one after the other.
    bool shared_row = false;
    for (int32_t i = 0; i < n && !shared_row; i++) {
        for (int32_t j = 0; j < i; j++) if (logits[j] == logits[i]) { shared_row = true; break; }
    }
    struct sampling_job job = { logits, n, n_vocab, chains, grammars, tokens, 0 };
    // Filling one array in slices on two threads measured twice as slow as on one.
    if (n_threads > 1 && !shared_row && sample_on_pool(pool, n_threads, &job)) return 0;
    sampling_task(NULL, 0, 1, &job);  // the picks the pool did not take (all of them where it did not run)
    return 0;
}

// A grammar that waits for a trigger: free text until a pattern matches, then constrained.
// Patterns arrive joined by '\0' to keep the FFI flat.
struct llama_sampler * shim_sampler_grammar_lazy(
        const struct llama_vocab * vocab, const char * grammar, const char * root,
        const char * patterns_joined, int32_t n_patterns) {
    const char * patterns[16];
    if (n_patterns > 16) n_patterns = 16;
    const char * p = patterns_joined;
    for (int32_t i = 0; i < n_patterns; i++) {
        patterns[i] = p;
        p += strlen(p) + 1;
    }
    return llama_sampler_init_grammar_lazy_patterns(vocab, grammar, root, patterns, (size_t) n_patterns, NULL, 0);
}

// ---------------------------------------------------------------- multimodal (libmtmd)
// mtmd_init_from_file and the bitmap helpers take or return structs by value; everything
// else in mtmd.h is bound directly (ffi/symbols/mtmd.ts).

#include "mtmd.h"
#include "mtmd-helper.h"

// A projector paired with its text model; NULL on failure (the reason is in the log ring).
mtmd_context * shim_mtmd_init(const char * mmproj_path, const struct llama_model * model,
                              bool use_gpu, int32_t n_threads, bool warmup) {
    // libmtmd logs through its own logger: route it into the same ring as llama.cpp's.
    mtmd_helper_log_set(log_callback, NULL);
    struct mtmd_context_params params = mtmd_context_params_default();
    params.use_gpu       = use_gpu;
    params.n_threads     = n_threads;
    params.print_timings = false;
    params.warmup        = warmup;
    return mtmd_init_from_file(mmproj_path, model, params);
}

// Decodes an audio file (WAV, MP3, FLAC) into a bitmap of PCM samples at the projector's rate,
// with the SHA-256 of the bytes as id; NULL when it does not decode. Only for audio: an image
// that fails to decode falls through, in MTMD_VIDEO builds, to ffprobe/ffmpeg run on the bytes.
mtmd_bitmap * shim_mtmd_bitmap_from_buf(const mtmd_context * ctx, const unsigned char * buf, size_t len) {
    struct mtmd_helper_bitmap_wrapper wrapped =
        mtmd_helper_bitmap_init_from_buf(ctx, buf, len, false, mtmd_helper_init_opt_default());
    if (wrapped.video_ctx) {
        // Video is not offered: a build with MTMD_VIDEO may still recognise one.
        mtmd_helper_video_free(wrapped.video_ctx);
        if (wrapped.bitmap) mtmd_bitmap_free(wrapped.bitmap);
        return NULL;
    }
    return wrapped.bitmap;
}

// mtmd_tokenize with its mtmd_input_text built here, so TypeScript never lays out the struct.
// Returns 0 on success, 1 when bitmaps and markers do not pair up, 2 on a preprocessing error.
int32_t shim_mtmd_tokenize(const mtmd_context * ctx, mtmd_input_chunks * output,
                           const char * text, size_t text_len, bool add_special, bool parse_special,
                           const mtmd_bitmap * const * bitmaps, size_t n_bitmaps) {
    mtmd_input_text input = { text, text_len, add_special, parse_special };
    return mtmd_tokenize(ctx, output, &input, bitmaps, n_bitmaps);
}

// stb_image, compiled into libmtmd (and exported by it): images are decoded here, as the helper
// would, but without its video fallback.
extern unsigned char * stbi_load_from_memory(const unsigned char * buffer, int len, int * x, int * y,
                                             int * channels_in_file, int desired_channels);
extern void stbi_image_free(void * retval_from_stbi_load);
extern const char * stbi_failure_reason(void);

// An RGB bitmap from an encoded image (PNG, JPEG, GIF, BMP...), with `id` (the caller's hash of
// the bytes) as its id; NULL when it does not decode (shim_mtmd_image_error says why).
mtmd_bitmap * shim_mtmd_bitmap_from_image(const unsigned char * buf, size_t len, const char * id) {
    if (len > INT32_MAX) return NULL;
    int nx, ny, nc;
    unsigned char * rgb = stbi_load_from_memory(buf, (int) len, &nx, &ny, &nc, 3);
    if (!rgb) return NULL;
    mtmd_bitmap * bitmap = mtmd_bitmap_init((uint32_t) nx, (uint32_t) ny, rgb);
    stbi_image_free(rgb);
    if (bitmap) mtmd_bitmap_set_id(bitmap, id);
    return bitmap;
}

// Why the last image decode failed (e.g. "bad png sig", "outofdata"); never NULL.
const char * shim_mtmd_image_error(void) {
    const char * reason = stbi_failure_reason();
    return reason ? reason : "unknown";
}

