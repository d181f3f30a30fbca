#include <cstdio>
int main() { std::puts("frugal"); return 0; }
