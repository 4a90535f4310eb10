//! A `VecDeque` (a breadth-first search's queue): one error at the queue, naming the `Vec` and
//! head index that work, not one for each of its methods' calls.

rumba::compile! {
    fn bfs(adj: ndarray::ArrayView2<u8>, start: usize) -> Vec<i64> {
        let n = adj.nrows();
        let mut dist = vec![-1i64; n];
        let mut queue = std::collections::VecDeque::new();
        dist[start] = 0;
        queue.push_back(start);
        while let Some(u) = queue.pop_front() {
            for v in 0..n {
                if adj[[u, v]] != 0 && dist[v] < 0 {
                    dist[v] = dist[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        dist
    }
}

fn main() {}
