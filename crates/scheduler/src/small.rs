//! A vector that keeps up to `N` elements inline: the requests and teams of a visit
//! and the members of a team are almost always a handful, and a million visits with
//! three heap vectors each cost more in allocation and cache misses than in work.

use std::ops::{Deref, DerefMut};

/// Inline or on the heap, never both: a visit's state takes 120 bytes, where a
/// separate inline array beside an empty `Vec` made it 216 (fewer cache lines read
/// per visit, less memory touched).
#[derive(Debug, Clone)]
pub(crate) struct SmallVec<T, const N: usize>(Repr<T, N>);

#[derive(Debug, Clone)]
enum Repr<T, const N: usize> {
    Inline { len: u8, items: [T; N] },
    Heap(Vec<T>),
}

impl<T: Default, const N: usize> Default for SmallVec<T, N> {
    fn default() -> Self {
        Self(Repr::Inline {
            len: 0,
            items: std::array::from_fn(|_| T::default()),
        })
    }
}

impl<T: Default, const N: usize> SmallVec<T, N> {
    pub fn push(&mut self, x: T) {
        match &mut self.0 {
            Repr::Heap(heap) => heap.push(x),
            Repr::Inline { len, items } if usize::from(*len) < N => {
                items[usize::from(*len)] = x;
                *len += 1;
            }
            Repr::Inline { items, .. } => {
                let mut heap = Vec::with_capacity(N * 2);
                heap.extend(items.iter_mut().map(std::mem::take));
                heap.push(x);
                self.0 = Repr::Heap(heap);
            }
        }
    }

    pub fn insert(&mut self, at: usize, x: T) {
        let len = self.len();
        self.push(x);
        self[at..=len].rotate_right(1);
    }

    pub fn remove(&mut self, at: usize) -> T {
        match &mut self.0 {
            Repr::Heap(heap) => heap.remove(at),
            Repr::Inline { len, items } => {
                let n = usize::from(*len);
                items[at..n].rotate_left(1);
                *len -= 1;
                std::mem::take(&mut items[n - 1])
            }
        }
    }

    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) {
        for x in items {
            self.push(x);
        }
    }

    /// Removes and returns the elements from `at` on.
    pub fn split_off(&mut self, at: usize) -> Vec<T> {
        match &mut self.0 {
            Repr::Heap(heap) => heap.split_off(at),
            Repr::Inline { len, items } => {
                let out = items[at..usize::from(*len)]
                    .iter_mut()
                    .map(std::mem::take)
                    .collect();
                *len = at as u8;
                out
            }
        }
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

impl<T: Default, const N: usize> From<Vec<T>> for SmallVec<T, N> {
    fn from(v: Vec<T>) -> Self {
        if v.len() > N {
            return Self(Repr::Heap(v));
        }
        let mut out = Self::default();
        out.extend(v);
        out
    }
}

impl<T, const N: usize> Deref for SmallVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.0 {
            Repr::Heap(heap) => heap,
            Repr::Inline { len, items } => &items[..usize::from(*len)],
        }
    }
}

impl<T, const N: usize> DerefMut for SmallVec<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.0 {
            Repr::Heap(heap) => heap,
            Repr::Inline { len, items } => &mut items[..usize::from(*len)],
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

    #[test]
    fn three_requests_take_no_more_room_than_a_vec() {
        assert!(std::mem::size_of::<SmallVec<u32, 3>>() <= std::mem::size_of::<Vec<u32>>());
    }

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
