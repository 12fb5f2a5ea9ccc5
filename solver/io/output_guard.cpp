#include "solver/io/output_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "solver/io/io_error.hpp"
#include "solver/io/output_names.hpp"
#include "solver/io/sweep_reader.hpp"

namespace calcikin::io {

namespace fs = std::filesystem;

namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The path with its folder resolved (the file itself need not exist).
fs::path resolved(const std::string& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p) : r;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  return resolved(a) == resolved(b);
}

}  // namespace

std::string output_refusal(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) return "the output path is empty";
  for (const std::string& candidate : {output, output + kPartialSuffix}) {
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      return "the output " + candidate + " is " + kind_of(st.st_mode) +
             ": choose a regular file (e.g. -o results.h5)";
    }
    for (const std::string& input : inputs) {
      if (input.empty() || input == "builtin") continue;
      if (same_file(candidate, input)) {
        return "the output " + candidate + " is the input " + input +
               ": it would be replaced by the results; choose another output file";
      }
    }
  }
  return {};
}

OutputLock::OutputLock(const std::string& output) : path_(output + ".lock") {
  for (int attempt = 0; attempt < 8; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError("cannot create the lock " + path_ + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      char holder[32] = {0};
      const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
      ::close(fd_);
      fd_ = -1;
      if (err == EWOULDBLOCK) {
        throw IoError("another calcikin run" +
                      (n > 0 ? " (process " + std::string(holder, static_cast<std::size_t>(n)) + ")"
                             : std::string()) +
                      " is writing " + output + " (lock " + path_ +
                      "): wait for it, or choose another output file");
      }
      throw IoError("cannot lock " + path_ + ": " + std::strerror(err));
    }
    // The lock file may have been removed by its previous holder between open and flock: the lock
    // counts only when the path still names the locked file.
    struct stat by_fd {
    }, by_path{};
    if (::fstat(fd_, &by_fd) == 0 && ::stat(path_.c_str(), &by_path) == 0 &&
        by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino) {
      const std::string pid = std::to_string(::getpid());
      if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The holder's id is a courtesy for the message of a second run; a full disk may lose it.
      }
      return;
    }
    ::close(fd_);
    fd_ = -1;
  }
  throw IoError("cannot lock " + path_ + ": it keeps being replaced");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked: a waiting process rechecks the path
  ::close(fd_);
}

OutputDecision decide_output(const std::string& output, bool resume, bool overwrite,
                             const std::string& scenario_hash) {
  OutputDecision d;
  const std::string partial = output + kPartialSuffix;
  std::error_code ec;
  const bool finished = fs::exists(output, ec);
  const bool unfinished = fs::exists(partial, ec);
  if (resume && unfinished) {
    if (finished && !overwrite) {
      d.refusal = "both " + output + " and " + partial +
                  " exist: resuming would replace the finished file; pass --overwrite "
                  "(Python: overwrite=True) to resume anyway, or move one of them";
      return d;
    }
    d.action = OutputAction::Resume;
    return d;
  }
  if (resume && finished) {
    const SweepFileShape shape = verify_sweep_file(output, true);
    if (shape.scenario_hash != scenario_hash) {
      d.refusal = output + " is a finished file of another scenario (hash " + shape.scenario_hash +
                  ", this one " + scenario_hash + "): nothing to resume; pass --overwrite " +
                  "(without --resume) to replace it";
      return d;
    }
    d.action = OutputAction::AlreadyFinished;
    d.note = output + " is already complete: nothing to resume";
    return d;
  }
  if (resume) {
    d.note = "no " + partial + " to resume: starting the run from the beginning";
    return d;
  }
  if ((finished || unfinished) && !overwrite) {
    d.refusal =
        (finished ? output + " exists" : partial + " (an interrupted run) exists") +
        std::string(
            ": refusing to overwrite it; pass --overwrite (Python: "
            "overwrite=True) to replace it") +
        (unfinished ? ", or --resume (Python: resume=True) to continue the interrupted run" : "");
    return d;
  }
  return d;
}

}  // namespace calcikin::io
