#ifndef CCURL_H
#define CCURL_H
#include <curl/curl.h>

/* libcurl is opened with dlopen the first time `registry links` needs it rather than linked:
   linking it made every command load libcurl and the libraries it needs at each start-up. The
   functions below call libcurl through pointers that registry_curl_load resolves once; nothing
   here names a libcurl symbol the linker would have to find. */

/* Opens libcurl.so.4, resolves every function below and runs curl_global_init, once per process
   and safely from any thread. Returns NULL when libcurl is ready, otherwise why it is not (the
   loader's own text, or the function this libcurl lacks): the same text on every call. */
const char *registry_curl_load(void);

/* curl_easy_init, or NULL when libcurl could not be loaded or could not start a transfer. */
CURL *registry_curl_easy_init(void);
/* The rest need a handle from registry_curl_easy_init, so libcurl is loaded when they run. */
void registry_curl_easy_cleanup(CURL *handle);
CURLcode registry_curl_easy_perform(CURL *handle);
const char *registry_curl_easy_strerror(CURLcode code);
const char *registry_curl_version(void);

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
   wrapper per argument type the link checker passes. */
CURLcode registry_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode registry_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode registry_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode registry_curl_set_opensocket(CURL *handle, curl_opensocket_callback callback);
CURLcode registry_curl_set_write(CURL *handle, curl_write_callback callback);
CURLcode registry_curl_info_long(CURL *handle, CURLINFO info, long *value);
CURLcode registry_curl_info_string(CURL *handle, CURLINFO info, char **value);
#endif
