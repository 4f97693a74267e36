//! A vector that keeps up to `N` elements inline: the requests and teams of a visit
//! and the members of a team are almost always a handful, and a million visits with
//! three heap vectors each cost more in allocation and cache misses than in work.

use std::ops::{Deref, DerefMut};

#[derive(Debug, Clone)]
pub(crate) struct SmallVec<T, const N: usize> {
    len: u32,
    spilled: bool,
    inline: [T; N],
    heap: Vec<T>,
}

impl<T: Default, const N: usize> Default for SmallVec<T, N> {
    fn default() -> Self {
        Self {
            len: 0,
            spilled: false,
            inline: std::array::from_fn(|_| T::default()),
            heap: Vec::new(),
        }
    }
}

impl<T: Default, const N: usize> SmallVec<T, N> {
    pub fn push(&mut self, x: T) {
        if self.spilled {
            self.heap.push(x);
        } else if (self.len as usize) < N {
            self.inline[self.len as usize] = x;
            self.len += 1;
        } else {
            let mut heap = Vec::with_capacity(N * 2);
            heap.extend(self.inline.iter_mut().map(std::mem::take));
            heap.push(x);
            self.heap = heap;
            self.spilled = true;
            self.len = 0;
        }
    }

    pub fn insert(&mut self, at: usize, x: T) {
        let len = self.len();
        self.push(x);
        self[at..=len].rotate_right(1);
    }

    pub fn remove(&mut self, at: usize) -> T {
        if self.spilled {
            return self.heap.remove(at);
        }
        let len = self.len as usize;
        self.inline[at..len].rotate_left(1);
        self.len -= 1;
        std::mem::take(&mut self.inline[len - 1])
    }

    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) {
        for x in items {
            self.push(x);
        }
    }

    /// Removes and returns the elements from `at` on.
    pub fn split_off(&mut self, at: usize) -> Vec<T> {
        if self.spilled {
            return self.heap.split_off(at);
        }
        let len = self.len as usize;
        let out = self.inline[at..len]
            .iter_mut()
            .map(std::mem::take)
            .collect();
        self.len = at as u32;
        out
    }

    pub fn clear(&mut self) {
        for x in &mut self.inline[..self.len as usize] {
            *x = T::default();
        }
        self.len = 0;
        self.heap = Vec::new();
        self.spilled = false;
    }
}

impl<T: Default, const N: usize> From<Vec<T>> for SmallVec<T, N> {
    fn from(v: Vec<T>) -> Self {
        let mut out = Self::default();
        if v.len() > N {
            out.heap = v;
            out.spilled = true;
        } else {
            out.extend(v);
        }
        out
    }
}

impl<T, const N: usize> Deref for SmallVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        if self.spilled {
            &self.heap
        } else {
            &self.inline[..self.len as usize]
        }
    }
}

impl<T, const N: usize> DerefMut for SmallVec<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.spilled {
            &mut self.heap
        } else {
            &mut self.inline[..self.len as usize]
        }
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a SmallVec<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a mut SmallVec<T, N> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::SmallVec;
    use proptest::prelude::*;

    proptest! {
        /// Behaves like a `Vec` under any sequence of operations.
        #[test]
        fn behaves_like_a_vec(ops in proptest::collection::vec((0..6u8, any::<u32>(), any::<usize>()), 0..60)) {
            let mut s: SmallVec<u32, 3> = SmallVec::default();
            let mut v: Vec<u32> = Vec::new();
            for (op, x, at) in ops {
                match op {
                    0 | 1 => { s.push(x); v.push(x); }
                    2 => { let i = at % (v.len() + 1); s.insert(i, x); v.insert(i, x); }
                    3 => if !v.is_empty() { let i = at % v.len(); prop_assert_eq!(s.remove(i), v.remove(i)); },
                    4 => { let i = at % (v.len() + 1); prop_assert_eq!(s.split_off(i), v.split_off(i)); }
                    _ => if x % 7 == 0 { s.clear(); v.clear(); } else { s.sort_unstable(); v.sort_unstable(); },
                }
                prop_assert_eq!(&s[..], &v[..]);
            }
            let back: SmallVec<u32, 3> = SmallVec::from(v.clone());
            prop_assert_eq!(&back[..], &v[..]);
        }
    }
}
