#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The libcurl functions the link checker calls, resolved by load(). */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    char *(*version)(void);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
} functions;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
/* NULL once libcurl is ready; written only inside load(), which pthread_once orders before every read. */
static const char *load_problem = "libcurl was not loaded";
static char problem_text[512];

static void load(void) {
    /* RTLD_LOCAL: libcurl's own libraries (OpenSSL among them) stay out of the global symbol
       scope, so they cannot stand in for symbols of libraries the registry already loaded. */
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(problem_text, sizeof problem_text, "%s", reason ? reason : "libcurl.so.4 could not be opened");
        load_problem = problem_text;
        return;
    }
    const struct { const char *name; void **slot; } symbols[] = {
        {"curl_global_init", (void **)&functions.global_init},
        {"curl_easy_init", (void **)&functions.easy_init},
        {"curl_easy_cleanup", (void **)&functions.easy_cleanup},
        {"curl_easy_perform", (void **)&functions.easy_perform},
        {"curl_easy_strerror", (void **)&functions.easy_strerror},
        {"curl_version", (void **)&functions.version},
        {"curl_easy_setopt", (void **)&functions.easy_setopt},
        {"curl_easy_getinfo", (void **)&functions.easy_getinfo},
    };
    for (size_t index = 0; index < sizeof symbols / sizeof symbols[0]; index++) {
        /* POSIX's way to store dlsym's result in a function pointer. */
        *symbols[index].slot = dlsym(library, symbols[index].name);
        if (*symbols[index].slot == NULL) {
            snprintf(problem_text, sizeof problem_text, "libcurl.so.4 has no function %s", symbols[index].name);
            load_problem = problem_text;
            return;
        }
    }
    CURLcode code = functions.global_init(CURL_GLOBAL_ALL);
    if (code != CURLE_OK) {
        snprintf(problem_text, sizeof problem_text, "curl_global_init failed: %s", functions.easy_strerror(code));
        load_problem = problem_text;
        return;
    }
    load_problem = NULL;
}

const char *registry_curl_load(void) {
    pthread_once(&load_once, load);
    return load_problem;
}

CURL *registry_curl_easy_init(void) {
    return registry_curl_load() == NULL ? functions.easy_init() : NULL;
}
void registry_curl_easy_cleanup(CURL *handle) { functions.easy_cleanup(handle); }
CURLcode registry_curl_easy_perform(CURL *handle) { return functions.easy_perform(handle); }
const char *registry_curl_easy_strerror(CURLcode code) { return functions.easy_strerror(code); }
const char *registry_curl_version(void) { return functions.version(); }

CURLcode registry_curl_set_long(CURL *handle, CURLoption option, long value) {
    return functions.easy_setopt(handle, option, value);
}
CURLcode registry_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return functions.easy_setopt(handle, option, value);
}
CURLcode registry_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return functions.easy_setopt(handle, option, value);
}
CURLcode registry_curl_set_opensocket(CURL *handle, curl_opensocket_callback callback) {
    return functions.easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}
CURLcode registry_curl_set_write(CURL *handle, curl_write_callback callback) {
    return functions.easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode registry_curl_info_long(CURL *handle, CURLINFO info, long *value) {
    return functions.easy_getinfo(handle, info, value);
}
CURLcode registry_curl_info_string(CURL *handle, CURLINFO info, char **value) {
    return functions.easy_getinfo(handle, info, value);
}
