"""The search tree: a flat list of nodes with parent ids, saved as versioned JSON."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from patchwright.core.domain import Node, Patch
from patchwright.store.tree_file import read_tree, write_tree


class Tree:
    """Nodes indexed by id; node 0 is the root (the base commit, empty patch)."""

    def __init__(self, nodes: list[Node] | None = None) -> None:
        self.nodes: list[Node] = nodes or [Node(id=0, thought="base commit")]
        self._by_hash: dict[str, int] = {
            n.patch.hash: n.id for n in self.nodes if n.patch is not None
        }

    @property
    def root(self) -> Node:
        return self.nodes[0]

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def get(self, node_id: int) -> Node:
        return self.nodes[node_id]

    def add(
        self, parent: Node, thought: str, patch: Patch, template: str = "", prior: float = 0.0
    ) -> Node:
        node = Node(
            id=len(self.nodes),
            parent=parent.id,
            depth=parent.depth + 1,
            thought=thought,
            patch=patch,
            template=template,
            prior=prior,
        )
        self.nodes.append(node)
        self._by_hash.setdefault(patch.hash, node.id)
        return node

    def find(self, patch_hash: str) -> Node | None:
        node_id = self._by_hash.get(patch_hash)
        return None if node_id is None else self.nodes[node_id]

    def children(self, node: Node) -> list[Node]:
        return [n for n in self.nodes if n.parent == node.id]

    def path_to_root(self, node: Node) -> list[Node]:
        out = [node]
        while out[-1].parent is not None:
            out.append(self.nodes[out[-1].parent])
        return out

    def plausible(self) -> list[Node]:
        return [n for n in self.nodes if n.plausible]

    def save(self, path: Path) -> None:
        write_tree(path, self.nodes)

    @classmethod
    def load(cls, path: Path) -> Tree:
        return cls(read_tree(path))
