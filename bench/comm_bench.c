/*
 * The collectives of `sharpspeed bench comm`, called straight from C over the same MPI, to compare our .NET
 * layer against: all_reduce and all_gather in place, reduce_scatter from the whole buffer into a separate
 * chunk; float32; 5 warm-up calls, then the mean time of 20 timed calls (nccl-tests' defaults), the slowest rank's;
 * algbw = bytes / time, busbw = algbw x 2(n-1)/n (all_reduce) or (n-1)/n (reduce_scatter, all_gather),
 * as nccl-tests defines them. Sizes and counts follow src/SharpSpeed/Comm/CommBenchmark.cs.
 *
 * Build: mpicc -O2 -o comm_bench comm_bench.c
 * Run:   mpirun --allow-run-as-root -np 2 ./comm_bench [min_bytes] [max_bytes] [factor] [iters] [warmup_iters]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum op { ALL_REDUCE, REDUCE_SCATTER, ALL_GATHER };

static const char *const names[] = {"all_reduce", "reduce_scatter", "all_gather"};

static void call(enum op op, float *buffer, float *chunk, int per_rank, int ranks)
{
    switch (op) {
    case ALL_REDUCE:
        MPI_Allreduce(MPI_IN_PLACE, buffer, per_rank * ranks, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        break;
    case REDUCE_SCATTER:
        MPI_Reduce_scatter_block(buffer, chunk, per_rank, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        break;
    case ALL_GATHER:
        MPI_Allgather(MPI_IN_PLACE, per_rank, MPI_FLOAT, buffer, per_rank, MPI_FLOAT, MPI_COMM_WORLD);
        break;
    }
}

int main(int argc, char **argv)
{
    int provided, rank, ranks;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    long min_bytes = argc > 1 ? atol(argv[1]) : 1024;
    long max_bytes = argc > 2 ? atol(argv[2]) : 64L << 20;
    long factor = argc > 3 ? atol(argv[3]) : 4;
    long iterations = argc > 4 ? atol(argv[4]) : 20;
    long warmup = argc > 5 ? atol(argv[5]) : 5;
    if (min_bytes < 1 || max_bytes < min_bytes || factor < 2 || iterations < 1 || warmup < 0) {
        if (rank == 0) {
            fprintf(stderr, "usage: comm_bench [min_bytes >= 1] [max_bytes >= min] [factor >= 2] [iters >= 1] [warmup_iters >= 0]\n");
        }
        MPI_Finalize();
        return 2;
    }
    if (rank == 0) {
        printf("# comm_bench (C, MPI): %d ranks, float32; GB/s = 1e9 bytes/s\n", ranks);
        printf("%-15s%14s%14s%12s%10s%10s\n", "op", "size (B)", "count", "time (us)", "algbw", "busbw");
    }
    for (int op = ALL_REDUCE; op <= ALL_GATHER; op++) {
        for (long bytes = min_bytes; bytes <= max_bytes; bytes *= factor) {
            long count = bytes / 4 / ranks * ranks;
            if (count < ranks) {
                count = ranks;
            }
            int per_rank = (int)(count / ranks);
            float *buffer = malloc(count * sizeof(float));
            float *chunk = malloc(per_rank * sizeof(float));
            for (long i = 0; i < count; i++) {
                buffer[i] = 1.0f;
            }
            for (long i = 0; i < warmup; i++) {
                call(op, buffer, chunk, per_rank, ranks);
            }
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            for (long i = 0; i < iterations; i++) {
                call(op, buffer, chunk, per_rank, ranks);
            }
            double seconds = (MPI_Wtime() - start) / (double)iterations;
            MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (rank == 0) {
                double algbw = count * 4.0 / seconds / 1e9;
                double factor_bus = op == ALL_REDUCE ? 2.0 * (ranks - 1) / ranks : (ranks - 1) / (double)ranks;
                printf("%-15s%14ld%14ld%12.1f%10.3f%10.3f\n", names[op], count * 4, count, seconds * 1e6, algbw,
                       algbw * factor_bus);
            }
            free(buffer);
            free(chunk);
        }
    }
    MPI_Finalize();
    return 0;
}
