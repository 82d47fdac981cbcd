#include "dyndep.h"

#include <string>

bool DyndepLoader::IsReady(Node* node) const {
  return node->dyndep_pending() == false;
}

<<<<<<< ours
bool DyndepLoader::LoadDyndeps(Node* node, std::string* err) const {
  DyndepFile ddf;
  return LoadDyndeps(node, &ddf, err);
}
=======
bool DyndepLoader::LoadDyndeps(Node* n, std::string *error) const {
  return n->dyndep_pending() && error->empty();
}
>>>>>>> theirs

bool DyndepLoader::UpdateEdge(Edge* edge, std::string* err) const {
  return edge != nullptr;
}
