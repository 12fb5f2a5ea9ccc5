// RankGather over MPI (point-to-point; only one thread per rank calls MPI at a time, the level
// MPI_THREAD_SERIALIZED that mpi_world() asks for): ranks > 0 send with MPI_Isend under a mutex and
// reap finished sends; rank 0's receiving thread polls with MPI_Iprobe and sleeps briefly when
// nothing is there (a blocking receive busy-polls a core the computing threads need).
#include "solver/sweep/rank_gather.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#ifdef CALCIKIN_WITH_MPI
#include <mpi.h>
#endif

namespace calcikin::sweep {

#ifdef CALCIKIN_WITH_MPI

namespace {
enum Tag : int { kTagRecord = 21, kTagDone = 22, kTagAsk = 23, kTagDeal = 24 };
}  // namespace

struct RankGather::State {
  MpiWorld world;
  std::function<void(std::size_t, const std::string&)> on_remote;
  // Ranks > 0: sends in flight (their buffers must live until done).
  std::mutex mutex;
  std::deque<std::pair<std::vector<char>, MPI_Request>> sending;
  // Rank 0: the receiving thread and what stops it.
  std::thread receiver;
  bool stop = false;  // under mutex
  bool finished = false;
  std::atomic<std::uint64_t> dealt{0};  // rank 0: positions handed out by next_task

  void reap() {  // under mutex
    while (!sending.empty()) {
      int done = 0;
      MPI_Test(&sending.front().second, &done, MPI_STATUS_IGNORE);
      if (done == 0) break;
      sending.pop_front();
    }
  }

  void receive_all() {
    int running = world.size - 1;
    std::vector<char> buffer;
    while (running > 0) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) return;
      }
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
      if (flag == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      int bytes = 0;
      MPI_Get_count(&status, MPI_BYTE, &bytes);
      buffer.resize(static_cast<std::size_t>(bytes));
      MPI_Recv(buffer.data(), bytes, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      if (status.MPI_TAG == kTagDone) {
        --running;
      } else if (status.MPI_TAG == kTagAsk) {
        std::uint64_t task = dealt.fetch_add(1);
        MPI_Send(&task, 1, MPI_UINT64_T, status.MPI_SOURCE, kTagDeal, MPI_COMM_WORLD);
      } else if (status.MPI_TAG == kTagRecord && buffer.size() >= sizeof(std::uint64_t)) {
        std::uint64_t task = 0;
        std::memcpy(&task, buffer.data(), sizeof task);
        on_remote(static_cast<std::size_t>(task),
                  std::string(buffer.data() + sizeof task, buffer.size() - sizeof task));
      } else {
        throw std::runtime_error("MPI: unexpected message tag " + std::to_string(status.MPI_TAG) +
                                 " from rank " + std::to_string(status.MPI_SOURCE));
      }
    }
  }
};

RankGather::RankGather(std::function<void(std::size_t, const std::string&)> on_remote)
    : state_(std::make_unique<State>()) {
  state_->world = mpi_world();
  state_->on_remote = std::move(on_remote);
  if (state_->world.size > 1 && state_->world.rank == 0) {
    State* s = state_.get();
    s->receiver = std::thread([s] { s->receive_all(); });
  }
}

RankGather::~RankGather() {
  if (state_->receiver.joinable()) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->stop = true;
    }
    state_->receiver.join();
  }
}

void RankGather::send(std::size_t task, const std::string& record) {
  State& s = *state_;
  if (s.world.size <= 1 || s.world.rank == 0) return;
  std::vector<char> bytes(sizeof(std::uint64_t) + record.size());
  const auto index = static_cast<std::uint64_t>(task);
  std::memcpy(bytes.data(), &index, sizeof index);
  std::memcpy(bytes.data() + sizeof index, record.data(), record.size());
  std::lock_guard<std::mutex> lock(s.mutex);
  s.sending.emplace_back(std::move(bytes), MPI_REQUEST_NULL);
  auto& [data, request] = s.sending.back();
  MPI_Isend(data.data(), static_cast<int>(data.size()), MPI_BYTE, 0, kTagRecord, MPI_COMM_WORLD,
            &request);
  s.reap();
}

std::size_t RankGather::next_task() {
  State& s = *state_;
  if (s.world.size <= 1 || s.world.rank == 0) return static_cast<std::size_t>(s.dealt.fetch_add(1));
  std::lock_guard<std::mutex> lock(s.mutex);
  char ask = 0;
  MPI_Send(&ask, 1, MPI_BYTE, 0, kTagAsk, MPI_COMM_WORLD);
  std::uint64_t task = 0;
  MPI_Recv(&task, 1, MPI_UINT64_T, 0, kTagDeal, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return static_cast<std::size_t>(task);
}

void RankGather::finish() {
  State& s = *state_;
  if (s.world.size <= 1 || s.finished) return;
  s.finished = true;
  if (s.world.rank == 0) {
    s.receiver.join();
    return;
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  for (auto& entry : s.sending) MPI_Wait(&entry.second, MPI_STATUS_IGNORE);
  s.sending.clear();
  char done = 0;
  MPI_Send(&done, 1, MPI_BYTE, 0, kTagDone, MPI_COMM_WORLD);
}

void broadcast_text(std::string& text) {
  const MpiWorld world = mpi_world();
  if (world.size <= 1) return;
  std::uint64_t size = text.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  text.resize(static_cast<std::size_t>(size));
  if (size > 0) MPI_Bcast(text.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
}

void share_round_robin(double* values, std::size_t count) {
  const MpiWorld world = mpi_world();
  if (world.size <= 1 || count == 0) return;
  std::vector<double> all(count * static_cast<std::size_t>(world.size));
  MPI_Allgather(values, static_cast<int>(count), MPI_DOUBLE, all.data(), static_cast<int>(count),
                MPI_DOUBLE, MPI_COMM_WORLD);
  const auto size = static_cast<std::size_t>(world.size);
  for (std::size_t k = 0; k < count; ++k) values[k] = all[(k % size) * count + k];
}

bool any_rank(bool flag) {
  if (mpi_world().size <= 1) return flag;
  int mine = flag ? 1 : 0, any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
  return any != 0;
}

#else  // one process: nothing to send or receive

struct RankGather::State {
  std::atomic<std::uint64_t> dealt{0};
};

// By value as in the MPI build, which moves it into its state.
RankGather::RankGather(
    std::function<void(std::size_t,
                       const std::string&)>)  // NOLINT(performance-unnecessary-value-param)
    : state_(std::make_unique<State>()) {}
RankGather::~RankGather() = default;
void RankGather::send(std::size_t, const std::string&) {}
std::size_t RankGather::next_task() { return static_cast<std::size_t>(state_->dealt.fetch_add(1)); }
void RankGather::finish() {}
void broadcast_text(std::string&) {}
void share_round_robin(double*, std::size_t) {}
bool any_rank(bool flag) { return flag; }

#endif

}  // namespace calcikin::sweep
