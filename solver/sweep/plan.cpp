#include "solver/sweep/plan.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace calcikin::sweep {

namespace {

// SplitMix64 (Steele, Lea & Flood 2014): a tiny, portable generator, so a seeded Latin hypercube is
// the same on every platform and standard library (std::uniform_*_distribution is not).
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double unit_interval(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

const char* mode_name(PlanMode m) {
  switch (m) {
    case PlanMode::Single:
      return "single";
    case PlanMode::Grid:
      return "grid";
    case PlanMode::Zip:
      return "zip";
    case PlanMode::List:
      return "list";
    case PlanMode::LatinHypercube:
      return "latin_hypercube";
  }
  return "?";
}

}  // namespace

SweepPlan::SweepPlan(PlanSpec spec) : spec_(std::move(spec)) {
  const auto fail = [&](const std::string& what) {
    throw std::invalid_argument(std::string("sweep (") + mode_name(spec_.mode) + "): " + what);
  };
  if (spec_.mode == PlanMode::Single) {
    if (!spec_.parameters.empty()) fail("parameters given without a sweep mode");
    size_ = 1;
    return;
  }
  if (spec_.parameters.empty()) fail("no parameters to sweep");
  for (const auto& p : spec_.parameters) {
    if (p.values.empty()) fail("parameter '" + p.path + "' has no values");
    for (double v : p.values) {
      if (!std::isfinite(v))
        fail("parameter '" + p.path + "' has a value that is not a finite number");
    }
  }
  switch (spec_.mode) {
    case PlanMode::Grid: {
      size_ = 1;
      for (const auto& p : spec_.parameters) {
        if (size_ > std::numeric_limits<std::size_t>::max() / p.values.size())
          fail("too many points");
        size_ *= p.values.size();
      }
      break;
    }
    case PlanMode::Zip:
    case PlanMode::List: {
      size_ = spec_.parameters.front().values.size();
      for (const auto& p : spec_.parameters) {
        if (p.values.size() != size_) {
          fail("parameter '" + p.path + "' has " + std::to_string(p.values.size()) + " values, '" +
               spec_.parameters.front().path + "' has " + std::to_string(size_) +
               " (they are paired one to one)");
        }
      }
      break;
    }
    case PlanMode::LatinHypercube: {
      if (spec_.samples <= 0) fail("samples must be a positive number");
      if (spec_.samples > std::numeric_limits<std::uint32_t>::max()) fail("too many samples");
      size_ = static_cast<std::size_t>(spec_.samples);
      for (const auto& p : spec_.parameters) {
        if (p.values.size() != 2)
          fail("parameter '" + p.path + "' needs exactly two bounds [low, high]");
        if (p.log_scale && (p.values[0] <= 0 || p.values[1] <= 0))
          fail("parameter '" + p.path + "' is log-scaled but a bound is not positive");
      }
      // One random permutation of the strata per parameter (Fisher-Yates).
      lhs_strata_.resize(size_ * spec_.parameters.size());
      std::uint64_t state = spec_.seed;
      for (std::size_t k = 0; k < spec_.parameters.size(); ++k) {
        std::uint32_t* perm = &lhs_strata_[k * size_];
        for (std::size_t i = 0; i < size_; ++i) perm[i] = static_cast<std::uint32_t>(i);
        for (std::size_t i = size_; i-- > 1;) {
          const std::size_t j = static_cast<std::size_t>(splitmix64(state) % (i + 1));
          std::swap(perm[i], perm[j]);
        }
      }
      break;
    }
    case PlanMode::Single:
      break;
  }
}

void SweepPlan::point(std::size_t index, double* out) const {
  const std::size_t n_par = spec_.parameters.size();
  switch (spec_.mode) {
    case PlanMode::Single:
      return;
    case PlanMode::Grid: {
      std::size_t rest = index;
      for (std::size_t k = n_par; k-- > 0;) {
        const auto& values = spec_.parameters[k].values;
        out[k] = values[rest % values.size()];
        rest /= values.size();
      }
      return;
    }
    case PlanMode::Zip:
    case PlanMode::List:
      for (std::size_t k = 0; k < n_par; ++k) out[k] = spec_.parameters[k].values[index];
      return;
    case PlanMode::LatinHypercube:
      for (std::size_t k = 0; k < n_par; ++k) {
        const auto& p = spec_.parameters[k];
        // Position inside the stratum: a hash of (seed, parameter, point), so any point is computed
        // on its own without generating the ones before it.
        std::uint64_t state =
            spec_.seed ^ (0xA24BAED4963EE407ull * (k + 1)) ^ (0x9FB21C651E98DF25ull * (index + 1));
        const double u = (lhs_strata_[k * size_ + index] + unit_interval(splitmix64(state))) /
                         static_cast<double>(size_);
        if (p.log_scale) {
          const double lo = std::log10(p.values[0]), hi = std::log10(p.values[1]);
          out[k] = std::pow(10.0, lo + u * (hi - lo));
        } else {
          out[k] = p.values[0] + u * (p.values[1] - p.values[0]);
        }
      }
      return;
  }
}

std::string SweepPlan::variable_name(std::size_t i) const {
  std::string name = spec_.parameters.at(i).path;
  for (char& c : name) {
    if (c == '.' || c == '/' || c == ' ') c = '_';
  }
  return name;
}

std::string SweepPlan::describe(std::size_t index) const {
  std::vector<double> values(spec_.parameters.size());
  point(index, values.data());
  std::string text;
  char number[32];
  for (std::size_t k = 0; k < values.size(); ++k) {
    std::snprintf(number, sizeof number, "%.6g", values[k]);
    text += (k == 0 ? "" : ", ") + spec_.parameters[k].path + "=" + number;
    const std::string& u = spec_.parameters[k].units;
    if (!u.empty() && u != "1") text += " " + u;
  }
  return text;
}

}  // namespace calcikin::sweep
