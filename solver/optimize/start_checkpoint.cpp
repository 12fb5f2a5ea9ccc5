#include "solver/optimize/start_checkpoint.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace calcikin::optimize {

namespace {

const char* kMagic = "calcikin-fit-checkpoint/1";

void put(std::string& s, double v) {
  char b[40];
  std::snprintf(b, sizeof b, " %a", v);
  s += b;
}

// Reads the next number (hex float, inf, nan) from p; false at the end or on garbage.
bool take(const char*& p, double& v) {
  char* end = nullptr;
  v = std::strtod(p, &end);
  if (end == p) return false;
  p = end;
  return true;
}

bool take_count(const char*& p, std::size_t& v) {
  double d = 0.0;
  if (!take(p, d) || !(d >= 0.0) || d > 1e15) return false;
  v = static_cast<std::size_t>(d);
  return true;
}

bool take_u64(const char*& p, std::uint64_t& v) {
  char* end = nullptr;
  while (*p == ' ') ++p;
  if (*p < '0' || *p > '9') return false;
  v = std::strtoull(p, &end, 10);
  if (end == p) return false;
  p = end;
  return true;
}

}  // namespace

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

std::string StartCheckpoint::format(std::size_t index, const LeastSquaresResult& r) {
  std::string s = "start";
  put(s, static_cast<double>(index));
  put(s, r.usable ? 1.0 : 0.0);
  put(s, r.converged ? 1.0 : 0.0);
  put(s, r.iterations);
  put(s, r.evaluations);
  put(s, r.cost);
  put(s, r.seconds);
  put(s, static_cast<double>(r.x0.size()));
  for (double v : r.x0) put(s, v);
  for (double v : r.x) put(s, v);
  put(s, static_cast<double>(r.trace_cost.size()));
  for (double v : r.trace_cost) put(s, v);
  for (double v : r.trace_seconds) put(s, v);
  std::string msg = r.message;
  for (char& c : msg)
    if (c == '\n' || c == '\r') c = ' ';
  s += " |" + msg + "|end";
  return s;
}

bool StartCheckpoint::parse(const std::string& line, std::size_t parameters, std::size_t& index,
                            LeastSquaresResult& r) {
  if (line.rfind("start ", 0) != 0) return false;
  const std::size_t bar = line.find('|');
  if (bar == std::string::npos || line.size() < 4 || line.compare(line.size() - 4, 4, "|end") != 0)
    return false;
  const std::string numbers = line.substr(5, bar - 5);
  const char* p = numbers.c_str();
  double usable = 0, converged = 0, iterations = 0, evaluations = 0;
  std::size_t n = 0, nt = 0;
  r = LeastSquaresResult{};
  if (!take_count(p, index) || !take(p, usable) || !take(p, converged) || !take(p, iterations) ||
      !take(p, evaluations) || !take(p, r.cost) || !take(p, r.seconds) || !take_count(p, n) ||
      n != parameters)
    return false;
  r.x0.resize(n);
  r.x.resize(n);
  for (double& v : r.x0)
    if (!take(p, v)) return false;
  for (double& v : r.x)
    if (!take(p, v)) return false;
  if (!take_count(p, nt)) return false;
  r.trace_cost.resize(nt);
  r.trace_seconds.resize(nt);
  for (double& v : r.trace_cost)
    if (!take(p, v)) return false;
  for (double& v : r.trace_seconds)
    if (!take(p, v)) return false;
  r.usable = usable != 0.0;
  r.converged = converged != 0.0;
  r.iterations = static_cast<int>(iterations);
  r.evaluations = static_cast<int>(evaluations);
  r.message = line.substr(bar + 1, line.size() - 4 - bar - 1);
  return true;
}

std::string StartCheckpoint::format_profile(const Profile& pr) {
  std::string s = "profile";
  put(s, static_cast<double>(pr.index));
  put(s, pr.lower);
  put(s, pr.upper);
  put(s, pr.lower_bounded ? 1.0 : 0.0);
  put(s, pr.upper_bounded ? 1.0 : 0.0);
  put(s, pr.identifiable ? 1.0 : 0.0);
  put(s, static_cast<double>(pr.values.size()));
  for (double v : pr.values) put(s, v);
  for (double v : pr.costs) put(s, v);
  s += " end";
  return s;
}

bool StartCheckpoint::parse_profile(const std::string& line, Profile& pr) {
  if (line.rfind("profile ", 0) != 0 || line.size() < 4 ||
      line.compare(line.size() - 4, 4, " end") != 0)
    return false;
  const std::string numbers = line.substr(7, line.size() - 4 - 7);
  const char* p = numbers.c_str();
  double lb = 0, ub = 0, id = 0;
  std::size_t count = 0;
  pr = Profile{};
  if (!take_count(p, pr.index) || !take(p, pr.lower) || !take(p, pr.upper) || !take(p, lb) ||
      !take(p, ub) || !take(p, id) || !take_count(p, count) || count > 100000)
    return false;
  pr.values.resize(count);
  pr.costs.resize(count);
  for (double& v : pr.values)
    if (!take(p, v)) return false;
  for (double& v : pr.costs)
    if (!take(p, v)) return false;
  while (*p == ' ') ++p;
  if (*p != '\0') return false;
  pr.lower_bounded = lb != 0.0;
  pr.upper_bounded = ub != 0.0;
  pr.identifiable = id != 0.0;
  return true;
}

std::string StartCheckpoint::format_chain(const ChainRecord& c) {
  const SamplerState& st = c.state;
  std::string s = "chain";
  put(s, static_cast<double>(c.walkers));
  put(s, static_cast<double>(c.dimension));
  put(s, static_cast<double>(c.burn));
  put(s, static_cast<double>(c.thin));
  s += " " + std::to_string(c.seed);
  put(s, static_cast<double>(c.from));
  put(s, static_cast<double>(st.steps_done));
  put(s, static_cast<double>(st.kept_steps.size()));
  for (std::size_t k : st.kept_steps) put(s, static_cast<double>(k));
  for (double v : st.kept_chain) put(s, v);
  for (double v : st.kept_log_density) put(s, v);
  for (double v : st.positions) put(s, v);
  for (double v : st.log_density) put(s, v);
  for (std::size_t k : st.accepted) put(s, static_cast<double>(k));
  s += " end";
  return s;
}

bool StartCheckpoint::parse_chain(const std::string& line, ChainRecord& c) {
  if (line.rfind("chain ", 0) != 0 || line.size() < 4 ||
      line.compare(line.size() - 4, 4, " end") != 0)
    return false;
  const std::string numbers = line.substr(5, line.size() - 4 - 5);
  const char* p = numbers.c_str();
  c = ChainRecord{};
  SamplerState& st = c.state;
  std::size_t kept = 0;
  if (!take_count(p, c.walkers) || !take_count(p, c.dimension) || !take_count(p, c.burn) ||
      !take_count(p, c.thin) || !take_u64(p, c.seed) || !take_count(p, c.from) ||
      !take_count(p, st.steps_done) || !take_count(p, kept) || c.walkers == 0 || c.dimension == 0 ||
      c.walkers * c.dimension > 100000000 || kept > 100000000 / c.walkers)
    return false;
  const std::size_t w = c.walkers, d = c.dimension;
  st.kept_steps.resize(kept);
  for (std::size_t& k : st.kept_steps)
    if (!take_count(p, k)) return false;
  st.kept_chain.resize(kept * w * d);
  for (double& v : st.kept_chain)
    if (!take(p, v)) return false;
  st.kept_log_density.resize(kept * w);
  for (double& v : st.kept_log_density)
    if (!take(p, v)) return false;
  st.positions.resize(w * d);
  for (double& v : st.positions)
    if (!take(p, v)) return false;
  st.log_density.resize(w);
  for (double& v : st.log_density)
    if (!take(p, v)) return false;
  st.accepted.resize(w);
  for (std::size_t& k : st.accepted)
    if (!take_count(p, k)) return false;
  while (*p == ' ') ++p;
  return *p == '\0' && c.from <= st.steps_done;
}

bool StartCheckpoint::join_chain(ChainRecord& chain, const ChainRecord& piece) {
  if (chain.walkers == 0) {
    if (piece.from != 0) return false;
    chain = piece;
    return true;
  }
  if (piece.walkers != chain.walkers || piece.dimension != chain.dimension ||
      piece.burn != chain.burn || piece.thin != chain.thin || piece.seed != chain.seed ||
      piece.from != chain.state.steps_done)
    return false;
  SamplerState& st = chain.state;
  const SamplerState& add = piece.state;
  st.steps_done = add.steps_done;
  st.positions = add.positions;
  st.log_density = add.log_density;
  st.accepted = add.accepted;
  st.kept_steps.insert(st.kept_steps.end(), add.kept_steps.begin(), add.kept_steps.end());
  st.kept_chain.insert(st.kept_chain.end(), add.kept_chain.begin(), add.kept_chain.end());
  st.kept_log_density.insert(st.kept_log_density.end(), add.kept_log_density.begin(),
                             add.kept_log_density.end());
  return true;
}

void StartCheckpoint::append_chain(const ChainRecord& piece) {
  const std::string line = format_chain(piece) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::ofstream out(path_, std::ios::app);
  out << line;
  out.flush();
  if (!join_chain(chain_, piece)) {
    chain_ = ChainRecord{};
    join_chain(chain_, piece);
  }
}

StartCheckpoint::StartCheckpoint(std::string path, std::string key, std::size_t parameters)
    : path_(std::move(path)), key_(std::move(key)), n_(parameters) {
  {
    std::ifstream in(path_);
    std::string line;
    if (in && std::getline(in, line)) {
      if (line == std::string(kMagic) + " " + key_) {
        while (std::getline(in, line)) {
          std::size_t index = 0;
          LeastSquaresResult r;
          Profile pr;
          ChainRecord piece;
          if (parse(line, n_, index, r))
            finished_[index] = std::move(r);
          else if (parse_profile(line, pr) && pr.index < n_)
            profiles_[pr.index] = std::move(pr);
          else if (parse_chain(line, piece) && piece.dimension == n_ &&
                   !join_chain(chain_, piece)) {
            chain_ = ChainRecord{};  // not a continuation: a new chain (from 0) or none
            join_chain(chain_, piece);
          }
        }
      } else {
        stale_ = true;
      }
    }
  }
  std::ofstream out(path_, std::ios::trunc);
  out << kMagic << " " << key_ << "\n";
  for (const auto& [i, r] : finished_) out << format(i, r) << "\n";
  for (const auto& [j, pr] : profiles_) out << format_profile(pr) << "\n";
  if (chain_.walkers > 0) out << format_chain(chain_) << "\n";  // the joined pieces, from 0
  out.flush();
  if (!out) throw std::runtime_error("cannot write the checkpoint '" + path_ + "'");
}

void StartCheckpoint::append(std::size_t index, const LeastSquaresResult& r) {
  const std::string line = format(index, r) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::ofstream out(path_, std::ios::app);
  out << line;
  out.flush();
}

void StartCheckpoint::append_profile(const Profile& profile) {
  const std::string line = format_profile(profile) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::ofstream out(path_, std::ios::app);
  out << line;
  out.flush();
}

void StartCheckpoint::remove() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace calcikin::optimize
