#pragma once
// Process exit codes of the calcikin CLI (documented in --help and README.md, tested in tests/cli).
namespace calcikin {
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,          // bad command line
  kExitInvalidInput = 3,   // scenario / database / override rejected; nothing written
  kExitPointsFailed = 4,   // finished, but some sweep points failed (recorded in the output)
  kExitIoError = 5,        // output could not be written or read
  kExitInterrupted = 130,  // SIGINT: in-flight points finished, resumable partial file kept
};
}  // namespace calcikin
