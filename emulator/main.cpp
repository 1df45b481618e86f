#include "core/log.hpp"
int main() { gp::log::Configure("info"); return 0; }
