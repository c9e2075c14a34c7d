#pragma once
// Data parallelism over c10d: one process per device, each computing the gradient of its rows
// of the global batch; gradients are averaged with an all-reduce (Gloo on CPU, NCCL on CUDA),
// so every rank applies the same update and the global batch — hence the results — do not
// depend on the world size. Only rank 0 writes results and checkpoints.
#include <torch/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace spikebench::engine {

/// This process's place in the job, from the launcher's environment:
///   torchrun / torch.distributed.run: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT;
///   Slurm (srun): SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (+ MASTER_ADDR/MASTER_PORT).
/// With none of them set the job is a single process (world size 1).
struct World {
  int rank = 0, size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "single";  // single | torchrun | slurm

  bool is_main() const { return rank == 0; }
  /// Reads the environment; an inconsistent or malformed variable is an Error naming it.
  static World from_env();
};

/// A process group over the world. World size 1 creates no group: every collective is the
/// identity, so the single-process path runs the same code.
class Communicator {
 public:
  /// backend: "gloo" (CPU tensors) or "nccl" (CUDA builds). Connects to MASTER_ADDR:PORT
  /// (rank 0 hosts the TCP store) and waits up to `timeout` for the other ranks.
  /// `always_group`: create the process group even at world size 1 (the device check's NCCL
  /// test); otherwise a single process runs without one.
  Communicator(World world, const std::string& backend,
               std::chrono::seconds timeout = std::chrono::minutes(30), bool always_group = false);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  const World& world() const { return world_; }
  const std::string& backend() const { return backend_; }

  /// grad ← (Σ_ranks grad) / world size for every parameter with a gradient, in flat buckets
  /// of at most `bucket_elements` values (one all-reduce per bucket).
  void average_gradients(const std::vector<torch::Tensor>& params,
                         int64_t bucket_elements = int64_t{1} << 24);
  /// Copies rank 0's values into every rank's tensors (parameters after init or resume).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  /// Σ over ranks of a scalar (losses, counts).
  double sum(double value);
  void barrier();

 private:
  struct Group;  // the c10d objects; kept out of this header (c10d/Gloo headers are heavy)
  World world_;
  std::string backend_;
  std::unique_ptr<Group> group_;
};

/// The backend a build uses for `device`: "nccl" for CUDA devices, else "gloo".
std::string default_backend(const torch::Device& device);
/// Whether this build can create a process group (Gloo headers found at configure time).
bool distributed_available();

}  // namespace spikebench::engine
