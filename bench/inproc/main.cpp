// bench/inproc/main.cpp: tools/ab_inproc.sh's driver. Three builds of the
// engine in one program (scenario.cpp): base, ctrl (the base revision
// again, compiled separately: the method's own noise) and head. Runs
// `rounds` rounds of one scenario, each build once per round in a rotating
// order, and prints one line per run: round, build, ns per iteration.
//   ab_inproc SCENARIO ITERATIONS ROUNDS PROCESS_INDEX
#include <cstdio>
#include <cstdlib>

void ab_prepare_base();
void ab_prepare_ctrl();
void ab_prepare_head();
double ab_run_base(int scenario, long iters);
double ab_run_ctrl(int scenario, long iters);
double ab_run_head(int scenario, long iters);

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: ab_inproc SCENARIO ITERATIONS ROUNDS PROCESS_INDEX\n");
    return 2;
  }
  const int scenario = std::atoi(argv[1]);
  const long iters = std::atol(argv[2]);
  const int rounds = std::atoi(argv[3]);
  const int process = std::atoi(argv[4]);
  void (*prepare[])() = {ab_prepare_base, ab_prepare_ctrl, ab_prepare_head};
  double (*run[])(int, long) = {ab_run_base, ab_run_ctrl, ab_run_head};
  const char* names[] = {"base", "ctrl", "head"};
  // Which build's pool is made first moves with the process (the first
  // pool made can land where it runs slower).
  for (int i = 0; i < 3; ++i) prepare[(i + process) % 3]();
  for (int i = 0; i < 3; ++i) (void)run[i](scenario, iters / 10 + 1);  // warm-up
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < 3; ++i) {
      const int b = (i + r) % 3;
      std::printf("%d %s %.4f\n", r, names[b], run[b](scenario, iters));
    }
  }
  return 0;
}
