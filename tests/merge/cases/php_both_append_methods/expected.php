<?php

namespace App\Http\Controllers;

use App\Models\User;
use Illuminate\Http\Request;

class UserController extends Controller
{
    private const PER_PAGE = 20;

    public function index(Request $request)
    {
        $users = User::query()->orderBy('name');
        return view('users.index', ['users' => $users->paginate(self::PER_PAGE)]);
    }

    public function show(User $user) { return view('users.show', compact('user')); }
    public function edit(User $user) { return view('users.edit', compact('user')); }

    public function update(Request $request, User $user)
    {
        $data = $request->validate(['name' => 'required|max:255']);
        $user->update($data);
        return redirect()->route('users.show', $user);
    }

    public function destroy(User $user)
    {
        $user->delete();
        return redirect()->route('users.index');
    }

    public function create()
    {
        return view('users.create');
    }
}
