#include "dyndep.h"

#include <string>

bool DyndepLoader::IsReady(Node* node) const {
  return node->dyndep_pending() == false;
}

bool DyndepLoader::LoadDyndeps(Node* n, std::string *error) const {
  return n->dyndep_pending() && error->empty();
}

bool DyndepLoader::UpdateEdge(Edge* edge, std::string* err) const {
  return edge != nullptr;
}
