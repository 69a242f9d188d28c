// Names the calling thread (at most 15 characters), as `top -H`, `ps -L` and profilers show it.
#pragma once

#include <pthread.h>

namespace pesan {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace pesan
